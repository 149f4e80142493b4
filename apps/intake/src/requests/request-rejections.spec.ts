import type { ClaimRequestRejection } from '@cpor/contracts';
import type { KafkaPublisher, KafkaRecordInfo } from '@cpor/messaging';
import type { RefusedRequest, RefusedRequestRepository } from '@cpor/persistence';
import { fitted, MAX_REJECTION_BYTES, RequestRejections } from './request-rejections.js';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

function rejection(originalPayload: string, errors = ['invalid-state: Submit needs at least one PoE document']): ClaimRequestRejection {
  return {
    requestId: 'r-1',
    requestType: 'cpor.claim-request.submit.v1',
    source: { topic: 'cpor.claim-requests.v1', partition: 0, offset: '7' },
    errors,
    originalPayload,
    originalHeaders: { ce_id: 'r-1', ce_type: 'cpor.claim-request.submit.v1' },
    rejectedAt: '2026-12-05T10:00:00.000Z',
  };
}

describe('a rejection fitted for the broker', () => {
  it('is left whole when it fits', () => {
    const whole = rejection('{"claimId":"c-1"}');
    expect(fitted(whole)).toBe(whole);
  });

  it('cuts a payload that escapes to many times its size to the longest start that fits, marked with its whole size', () => {
    const payload = '\u0001'.repeat(300_000);
    const cut = fitted(rejection(payload));
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_REJECTION_BYTES);
    expect(bytes({ ...cut, originalPayload: payload.slice(0, cut.originalPayload.length + 1) })).toBeGreaterThan(MAX_REJECTION_BYTES);
    expect(payload.startsWith(cut.originalPayload)).toBe(true);
    expect(cut).toMatchObject({ originalPayloadTruncated: true, originalPayloadBytes: 300_000 });
  });

  it('cuts errors too, when they are what does not fit (a request with 150,000 unknown fields)', () => {
    const errors = Array.from({ length: 150_000 }, (_, i) => `property field${i} should not exist`);
    const cut = fitted(rejection('{}', errors));
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_REJECTION_BYTES);
    expect(cut.errors).toHaveLength(101);
    expect(cut.errors.slice(0, 100)).toEqual(errors.slice(0, 100));
    expect(cut.errors[100]).toBe('... and 149900 more');
    expect(cut.originalPayload).toBe('{}');
  });

  it('never cuts between the halves of a character outside the basic plane', () => {
    const payload = '😀'.repeat(200_000);
    // One character in front: 1,024 characters would end in the middle of a pair.
    const header = 'a' + '😀'.repeat(2_000);
    const cut = fitted({ ...rejection(payload), originalHeaders: { 'x-note': header } });
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_REJECTION_BYTES);
    expect(cut.originalPayload.length % 2).toBe(0);
    expect(payload.startsWith(cut.originalPayload)).toBe(true);
    expect(cut.originalHeaders['x-note']).toBe(header.slice(0, 1_023));
  });
});

describe('a request refused by the rules', () => {
  const record = { topic: 'cpor.claim-requests.v1', partition: 0, offset: '7', key: 'c-1', headers: { ce_id: 'r-1' } } as unknown as KafkaRecordInfo;
  const request = { id: 'r-1', source: 'urn:crm', type: 'cpor.claim-request.submit.v1' };

  function setUp() {
    const published: Array<{ id: string; data: unknown }> = [];
    const rows = new Map<string, RefusedRequest>();
    const publisher = { publish: async (records: Array<{ event: { id: string; data: unknown } }>) => void published.push(...records.map(({ event }) => event)) };
    const repository = {
      find: async (key: string) => rows.get(key) ?? null,
      remember: async (row: RefusedRequest) => rows.get(row._id) ?? (rows.set(row._id, row), row),
    };
    let now = Date.parse('2026-12-05T10:00:00Z');
    const clock = { now: () => new Date((now += 1_000)) };
    const rejections = new RequestRejections(publisher as unknown as KafkaPublisher, repository as unknown as RefusedRequestRepository, clock);
    return { rejections, published, rows };
  }

  it('is answered again with the same rejection (same id, same data) when it comes again, and not kept under the sender\'s id', async () => {
    const { rejections, published, rows } = setUp();
    await rejections.refuse(record, '{"claimId":"c-1"}', ['invalid-state: no PoE'], request);
    expect(await rejections.repeatIfRefused(request, '{"claimId":"c-1"}')).toBe(true);
    expect(published).toHaveLength(2);
    expect(published[1]).toEqual(published[0]);
    expect([...rows.keys()]).not.toContain('r-1');
  });

  it('another request under a reused id, or the same id from another source, is not answered with that refusal', async () => {
    const { rejections } = setUp();
    await rejections.refuse(record, '{"claimId":"c-1"}', ['invalid-state: no PoE'], request);
    expect(await rejections.repeatIfRefused(request, '{"claimId":"c-2"}')).toBe(false);
    expect(await rejections.repeatIfRefused({ ...request, type: 'cpor.claim-request.comment.v1' }, '{"claimId":"c-1"}')).toBe(false);
    expect(await rejections.repeatIfRefused({ ...request, source: 'urn:other' }, '{"claimId":"c-1"}')).toBe(false);
  });

  it('an invalid request is answered, not kept (the same record is refused the same way again, under the same id)', async () => {
    const { rejections, published, rows } = setUp();
    await rejections.reject(record, '{}', ['claimId must be a UUID'], request);
    await rejections.reject({ ...record, offset: '9' }, '{}', ['claimId must be a UUID'], request);
    expect(rows.size).toBe(0);
    expect(published[1].id).toBe(published[0].id);
  });
});
