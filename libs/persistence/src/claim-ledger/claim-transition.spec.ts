import { randomUUID } from 'node:crypto';
import { RELAY_BUCKETS, relayBucketOf } from './claim-transition.js';

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
