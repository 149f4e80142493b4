import { describe, expect, it } from '@jest/globals';
import { CloudEvent as SdkEvent, Kafka, type KafkaMessage } from 'cloudevents';
import { EVENT_TYPES } from '@cpor/domain';
import { decodeRecord, recordView, toKafkaMessage, type CloudEvent, type IncomingKafkaMessage } from './envelope.js';

// Our envelope against the reference implementation of the CloudEvents Kafka protocol binding, the
// `cloudevents` SDK: what we produce, it reads as the same event; what it produces in binary mode,
// our consumers accept as the same event.

const claimId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

const ours: CloudEvent<{ claimId: string; status: string; reasons: string[] }> = {
  id: '2f1c0b8e-3d7a-4f59-9a2e-6b1d4c8e0f13',
  type: EVENT_TYPES.infoRequested,
  source: 'cpor/review',
  subject: claimId,
  time: new Date(Date.UTC(2026, 11, 1, 10, 0, 1, 204)).toISOString(),
  data: { claimId, status: 'PartnerActionRequired', reasons: ['missing-poe'] },
  claimVersion: 4,
  correlationId: '5d2a9c1e-8f3b-4a6d-b7e0-1c4f2a9d8e37',
  causationId: '0b6f7f04-2c4e-4c1c-9f7e-0d8a1b3c2e11',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

/** The SDK's reading of a record: a Kafka message as its `Kafka.toEvent` takes it. */
function sdkRead(record: { key: string; value: Buffer; headers: Record<string, string> }): SdkEvent<unknown> {
  const message: KafkaMessage<Buffer> = { key: record.key, value: record.value, headers: record.headers, body: record.value };
  const event = Kafka.toEvent(message);
  if (Array.isArray(event)) throw new Error('read a batch');
  return event as SdkEvent<unknown>;
}

/**
 * An SDK-made binary-mode message as kafkajs delivers it to our consumers. `Kafka.binary` leaves
 * the value as the event's data (the producer's serializer encodes it: JSON here, as its
 * `content-type` says) and includes unset attributes as undefined headers, which a producer drops;
 * a consumer receives every header value as bytes, and no key when the event had no partitionkey.
 */
function delivered(message: KafkaMessage<unknown>): IncomingKafkaMessage {
  const value = typeof message.value === 'string' || Buffer.isBuffer(message.value) ? message.value : JSON.stringify(message.value);
  const headers: Record<string, Buffer> = {};
  for (const [name, header] of Object.entries(message.headers)) if (header !== undefined) headers[name] = Buffer.from(String(header), 'utf8');
  return { key: message.key === undefined ? null : Buffer.from(message.key), value: Buffer.from(value), headers };
}

/** What our consumers run on every record (KafkaTransport: recordView, then decodeRecord). */
const consume = (message: IncomingKafkaMessage) => decodeRecord(recordView(message));

describe('our records, read by the cloudevents SDK (Kafka binding, binary mode)', () => {
  it('come out as the same event: attributes, extensions, data and the key as partitionkey', () => {
    const record = toKafkaMessage(ours);
    const event = sdkRead(record);
    expect(event.validate()).toBe(true); // the SDK's CloudEvents 1.0 schema
    expect(JSON.parse(event.toString())).toEqual({
      specversion: '1.0',
      id: ours.id,
      type: ours.type,
      source: ours.source,
      subject: ours.subject,
      time: ours.time,
      datacontenttype: 'application/json',
      data: ours.data,
      // Extension attributes are strings in a Kafka header (CloudEvents Integer: its decimal form).
      claimversion: '4',
      correlationid: ours.correlationId,
      causationid: ours.causationId,
      // The binding maps the record key to the partitionkey extension; ours is the subject.
      partitionkey: claimId,
    });
  });

  it('keep their optional extensions out when absent, and JSON null data as null', () => {
    const plain: CloudEvent = { id: ours.id, type: ours.type, source: ours.source, subject: ours.subject, time: ours.time, data: undefined };
    const event = sdkRead(toKafkaMessage(plain));
    expect(event.validate()).toBe(true);
    expect(JSON.parse(event.toString())).toEqual({
      specversion: '1.0',
      id: ours.id,
      type: ours.type,
      source: ours.source,
      subject: ours.subject,
      time: ours.time,
      datacontenttype: 'application/json',
      data: null,
      partitionkey: claimId,
    });
  });

  it('carry traceparent as the W3C trace-context header, which the SDK does not take for an attribute', () => {
    const record = toKafkaMessage(ours);
    expect(record.headers['traceparent']).toBe(ours.traceparent);
    expect(Object.keys(sdkRead(record))).not.toContain('traceparent');
  });
});

describe('SDK-made events (Kafka.binary), read by our consumers', () => {
  const sdkEvent = new SdkEvent({
    id: ours.id,
    type: EVENT_TYPES.approved,
    source: 'cpor/review',
    subject: claimId,
    time: ours.time,
    datacontenttype: 'application/json',
    data: { claimId, status: 'Approved' },
    claimversion: '5',
    correlationid: ours.correlationId,
    causationid: ours.causationId,
    partitionkey: claimId,
  });

  it('are accepted with the same attributes, extensions and data', () => {
    expect(consume(delivered(Kafka.binary(sdkEvent)))).toEqual({
      ok: true,
      event: {
        id: sdkEvent.id,
        type: sdkEvent.type,
        source: sdkEvent.source,
        subject: sdkEvent.subject,
        time: sdkEvent.time,
        data: { claimId, status: 'Approved' },
        claimVersion: 5,
        correlationId: ours.correlationId,
        causationId: ours.causationId,
      },
    });
  });

  it('are accepted without extensions, with the time the SDK stamps, and with a time offset', () => {
    const stamped = new SdkEvent({ type: EVENT_TYPES.submitted, source: 'urn:upstream:crm', subject: claimId, datacontenttype: 'application/json', data: { claimId } });
    const offset = stamped.cloneWith({ time: '2026-12-01T12:00:01.204+02:00' });
    for (const event of [stamped, offset]) {
      expect(consume(delivered(Kafka.binary(event)))).toEqual({
        ok: true,
        event: { id: event.id, type: event.type, source: event.source, subject: claimId, time: event.time, data: { claimId } },
      });
    }
  });

  it('are refused when CloudEvents refuses them too: a time that is not RFC 3339', () => {
    expect(() => sdkEvent.cloneWith({ time: 'June 1, 2026' })).toThrow();
    const message = delivered(Kafka.binary(sdkEvent.cloneWith({ time: 'June 1, 2026' }, false)));
    expect(consume(message)).toMatchObject({ ok: false, errors: ['ce_time is not an RFC 3339 timestamp'] });
  });

  it('need what our records always carry and CloudEvents leaves optional: the subject (claimId)', () => {
    const anonymous = new SdkEvent({ type: EVENT_TYPES.approved, source: 'cpor/review', datacontenttype: 'application/json', data: {}, partitionkey: claimId });
    expect(consume(delivered(Kafka.binary(anonymous)))).toMatchObject({ ok: false, errors: ['missing header ce_subject'] });
  });

  it('are refused in structured mode: our topics carry binary mode only', () => {
    const structured = delivered(Kafka.structured(sdkEvent));
    expect(consume(structured)).toMatchObject({ ok: false, errors: expect.arrayContaining([expect.stringMatching(/^unsupported content-type 'application\/cloudevents\+json/)]) });
  });
});
