import { describe, expect, it } from '@jest/globals';
import { fromKafkaMessage, toKafkaMessage, type CloudEvent, type RecordView } from '@cpor/contracts';
import { routeRecord, unmatchedOn } from './routing.js';

const TOPIC = 'cpor.claim-events.v1';
const event: CloudEvent = {
  id: 'evt-1',
  type: 'cpor.claim.submitted.v1',
  source: '/cpor/intake',
  subject: 'claim-1',
  time: '2020-06-01T10:00:00Z',
  data: { ok: true },
};

function consumed(e: CloudEvent): { decoded: ReturnType<typeof fromKafkaMessage>; view: RecordView } {
  const message = toKafkaMessage(e);
  return {
    decoded: fromKafkaMessage({ key: message.key, value: message.value, headers: message.headers }),
    view: { key: message.key, headers: message.headers, raw: message.value.toString(), tombstone: false },
  };
}

const badJson = {
  decoded: fromKafkaMessage({ key: 'claim-2', value: '{oops', headers: { ...toKafkaMessage(event).headers, ce_type: 'cpor.claim-request.create.v1' } }),
  view: { key: 'claim-2', headers: { ce_type: 'cpor.claim-request.create.v1' }, raw: '{oops', tombstone: false },
};

const handlers = (...patterns: string[]) => (pattern: string) => patterns.includes(pattern);

describe('routeRecord', () => {
  it('dispatches by CloudEvents type, whatever the topic', () => {
    const { decoded, view } = consumed(event);
    expect(routeRecord(decoded, view, TOPIC, handlers(event.type))).toEqual({ kind: 'handle', pattern: event.type, payload: event, type: event.type });
    expect(routeRecord(decoded, view, 'another.topic.v1', handlers(event.type))).toMatchObject({ kind: 'handle', pattern: event.type });
  });

  it('skips a valid type the service has no handler for', () => {
    const { decoded, view } = consumed(event);
    expect(routeRecord(decoded, view, TOPIC, handlers('cpor.claim.approved.v1'))).toEqual({ kind: 'skip', type: event.type });
  });

  it('dead-letters an undecodable record when nobody handles unmatched records', () => {
    const route = routeRecord(badJson.decoded, badJson.view, TOPIC, handlers(event.type));
    expect(route).toEqual({ kind: 'dead-letter', type: 'cpor.claim-request.create.v1', reason: 'undecodable record: value is not valid JSON' });
  });

  it('hands an undecodable record to the topic unmatched handler with every error', () => {
    const route = routeRecord(badJson.decoded, badJson.view, 'cpor.claim-requests.v1', handlers(unmatchedOn('cpor.claim-requests.v1')));
    expect(route).toEqual({
      kind: 'unmatched',
      pattern: 'unmatched:cpor.claim-requests.v1',
      type: 'cpor.claim-request.create.v1',
      payload: { raw: '{oops', errors: ['value is not valid JSON'], headers: badJson.view.headers, key: 'claim-2' },
    });
  });

  it('hands a valid record of an unknown type to the unmatched handler, with the event', () => {
    const { decoded, view } = consumed({ ...event, type: 'cpor.claim-request.frobnicate.v1' });
    const route = routeRecord(decoded, view, 'cpor.claim-requests.v1', handlers(unmatchedOn('cpor.claim-requests.v1')));
    expect(route).toMatchObject({
      kind: 'unmatched',
      payload: { errors: ['no handler for type cpor.claim-request.frobnicate.v1'], key: 'claim-1', raw: '{"ok":true}' },
    });
  });

  it('only uses the unmatched handler of the record own topic', () => {
    const route = routeRecord(badJson.decoded, badJson.view, TOPIC, handlers(unmatchedOn('cpor.claim-requests.v1')));
    expect(route.kind).toBe('dead-letter');
  });

  it('labels a record without ce_type as unknown', () => {
    const decoded = fromKafkaMessage({ key: null, value: 'x' });
    expect(routeRecord(decoded, { key: null, headers: {}, raw: 'x', tombstone: false }, TOPIC, handlers())).toMatchObject({ kind: 'dead-letter', type: 'unknown' });
  });
});
