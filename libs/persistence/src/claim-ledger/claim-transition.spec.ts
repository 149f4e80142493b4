import { randomUUID } from 'node:crypto';
import type { ClaimState } from '@cpor/domain';
import { readTransition, RELAY_BUCKETS, relayBucketOf, storedTransition, type ClaimTransition } from './claim-transition.js';

describe('relayBucketOf', () => {
  it('gives a claim always the same bucket, one of RELAY_BUCKETS', () => {
    const claimId = randomUUID();
    expect(relayBucketOf(claimId)).toBe(relayBucketOf(claimId));
    expect(Number.isInteger(relayBucketOf(claimId))).toBe(true);
    expect(relayBucketOf(claimId)).toBeGreaterThanOrEqual(0);
    expect(relayBucketOf(claimId)).toBeLessThan(RELAY_BUCKETS);
  });

  it('spreads claims over every bucket, none holding much more than its share', () => {
    const counts = new Array<number>(RELAY_BUCKETS).fill(0);
    for (let i = 0; i < 16_000; i++) counts[relayBucketOf(randomUUID())]++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1_200);
  });
});

describe('storedTransition and readTransition', () => {
  const row: ClaimTransition = {
    _id: 'c-1:2',
    claimId: 'c-1',
    version: 2,
    at: new Date('2026-12-04T10:00:00.000Z'),
    commandId: 'req-1',
    state: { id: 'c-1', status: 'Submitted', poe: [{ documentId: 'd-1', fileName: 'po.pdf' }] } as unknown as ClaimState,
    history: { at: '2026-12-04T10:00:00.000Z', actor: { kind: 'partner', id: 'p-1' }, action: 'submit', fromStatus: 'Editing', toStatus: 'Submitted', summary: 'Submitted', version: 2, eventIds: ['e-1'] },
    outbox: [{ topic: 'cpor.claim-events.v1', event: { id: 'e-1', type: 'cpor.claim.submitted.v1', source: 'cpor/intake', subject: 'c-1', time: '2026-12-04T10:00:00.000Z', data: { claimId: 'c-1' } } }],
    pending: true,
    relayBucket: relayBucketOf('c-1'),
  };

  it('stores the queried fields as they are and the rest as one JSON text', () => {
    const stored = storedTransition(row);
    expect(stored).toEqual({ _id: 'c-1:2', claimId: 'c-1', version: 2, at: row.at, commandId: 'req-1', pending: true, relayBucket: row.relayBucket, content: expect.any(String) });
    expect(readTransition(stored)).toEqual(row);
  });

  it('reads a row written before the content was one text as it is', () => {
    expect(readTransition(row)).toBe(row);
  });
});
