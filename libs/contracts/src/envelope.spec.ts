import { describe, expect, it } from '@jest/globals';
import { CloudEvent, fromKafkaMessage, headersToStrings, toKafkaMessage } from './envelope.js';

const event: CloudEvent<{ mpnId: string }> = {
  id: 'evt-1',
  type: 'cpor.claim.submitted.v1',
  source: '/cpor/intake',
  subject: 'claim-42',
  time: '2020-06-01T10:00:00.000Z',
  data: { mpnId: '1234567' },
  claimVersion: 3,
  correlationId: 'corr-1',
  causationId: 'cause-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

/** What kafkajs hands a consumer: every header value is a Buffer. */
function asConsumed(message: { key: string; value: Buffer; headers: Record<string, string> }) {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(message.headers)) headers[name] = Buffer.from(value);
  return { key: Buffer.from(message.key), value: message.value, headers };
}

describe('toKafkaMessage', () => {
  it('maps the event to binary-mode headers, JSON value and the subject as key', () => {
    const message = toKafkaMessage(event);
    expect(message.key).toBe('claim-42');
    expect(JSON.parse(message.value.toString('utf8'))).toEqual({ mpnId: '1234567' });
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: 'evt-1',
      ce_source: '/cpor/intake',
      ce_type: 'cpor.claim.submitted.v1',
      ce_time: '2020-06-01T10:00:00.000Z',
      ce_subject: 'claim-42',
      'content-type': 'application/json',
      ce_claimversion: '3',
      ce_correlationid: 'corr-1',
      ce_causationid: 'cause-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
  });

  it('leaves optional extensions out when absent and encodes undefined data as null', () => {
    const message = toKafkaMessage({ ...event, data: undefined, claimVersion: undefined, correlationId: undefined, causationId: undefined, traceparent: undefined });
    expect(Object.keys(message.headers).sort()).toEqual(
      ['ce_id', 'ce_source', 'ce_specversion', 'ce_subject', 'ce_time', 'ce_type', 'content-type'].sort(),
    );
    expect(message.value.toString()).toBe('null');
  });
});

describe('fromKafkaMessage', () => {
  it('round-trips an event through Buffer headers', () => {
    const decoded = fromKafkaMessage(asConsumed(toKafkaMessage(event)));
    expect(decoded).toEqual({ ok: true, event });
  });

  it('accepts a record without the optional extensions', () => {
    const plain: CloudEvent = { id: event.id, type: event.type, source: event.source, subject: event.subject, time: event.time, data: event.data };
    const decoded = fromKafkaMessage(asConsumed(toKafkaMessage(plain)));
    expect(decoded).toEqual({ ok: true, event: plain });
  });

  it('refuses a value nested deeper than the limit before parsing it, keeping the raw value', () => {
    const deep = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    const decoded = fromKafkaMessage({ ...asConsumed(toKafkaMessage(event)), value: Buffer.from(deep) });
    expect(decoded).toEqual({ ok: false, errors: ['value nests deeper than 32 levels'], raw: deep });
  });

  it('lists every problem at once, with the raw value', () => {
    const decoded = fromKafkaMessage({
      key: null,
      value: Buffer.from('{not json'),
      headers: { ce_specversion: Buffer.from('0.3'), ce_time: Buffer.from('yesterday'), 'content-type': Buffer.from('text/plain'), ce_claimversion: Buffer.from('x') },
    });
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.raw).toBe('{not json');
    expect(decoded.errors).toEqual([
      'missing header ce_id',
      'missing header ce_source',
      'missing header ce_type',
      'missing header ce_subject',
      "unsupported ce_specversion '0.3' (expected 1.0)",
      'ce_time is not an RFC 3339 timestamp',
      "unsupported content-type 'text/plain' (expected application/json)",
      'ce_claimversion is not a non-negative integer',
      'value is not valid JSON',
    ]);
  });

  it('reports a record with no headers and no value', () => {
    const decoded = fromKafkaMessage({ key: null, value: null });
    expect(decoded).toEqual({
      ok: false,
      raw: '',
      errors: [
        'missing header ce_specversion',
        'missing header ce_id',
        'missing header ce_source',
        'missing header ce_type',
        'missing header ce_time',
        'missing header ce_subject',
        'value is missing (tombstone)',
      ],
    });
  });

  it.each(['2020-06-01T10:00:00Z', '2020-06-01T12:00:00.5+02:00', '2020-06-01t10:00:00.123456z', '2024-02-29T23:59:59-05:30'])('accepts the RFC 3339 time %s', (time) => {
    expect(fromKafkaMessage(asConsumed(toKafkaMessage({ ...event, time })))).toEqual({ ok: true, event: { ...event, time } });
  });

  // Date.parse takes all of these; CloudEvents requires RFC 3339.
  it.each(['June 1, 2020', '2020-06-01', '2020-06-01 10:00:00Z', '2020-06-01T10:00:00', '2020-02-30T10:00:00Z', '2020-06-01T24:00:00Z', '1591005600000'])(
    'refuses the time %s',
    (time) => {
      expect(fromKafkaMessage(asConsumed(toKafkaMessage({ ...event, time })))).toMatchObject({ ok: false, errors: ['ce_time is not an RFC 3339 timestamp'] });
    },
  );

  it('accepts a content-type with parameters', () => {
    const message = asConsumed(toKafkaMessage(event));
    message.headers['content-type'] = Buffer.from('application/json; charset=utf-8');
    expect(fromKafkaMessage(message).ok).toBe(true);
  });
});

describe('headersToStrings', () => {
  it('decodes Buffers and takes the last value of a repeated header', () => {
    expect(headersToStrings({ a: Buffer.from('1'), b: [Buffer.from('x'), Buffer.from('y')], c: undefined, d: 'plain' })).toEqual({
      a: '1',
      b: 'y',
      d: 'plain',
    });
  });
});
