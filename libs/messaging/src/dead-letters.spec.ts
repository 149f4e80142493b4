import { describe, expect, it } from '@jest/globals';
import { DeadLetterQueue, deadLetterDepth, VALUE_DROPPED_HEADER } from './dead-letters.js';
import type { PartitionOffsets } from './kafka-admin.js';

// The depth of a DLQ from offsets only, against a fake broker.

function broker(topics: Record<string, PartitionOffsets[]>) {
  const asked: string[] = [];
  return {
    asked,
    log: {
      topicOffsets: async (topic: string) => {
        asked.push(topic);
        return topics[topic] ?? null;
      },
    },
  };
}

describe('deadLetterDepth', () => {
  it('counts the records of every partition of the DLQ and the decisions on its actions topic', async () => {
    const { log } = broker({
      'cpor.claim-events.v1.review.dlq': [
        { partition: 0, low: '2', high: '5' },
        { partition: 1, low: '0', high: '4' },
        { partition: 2, low: '7', high: '7' },
      ],
      'cpor.claim-events.v1.review.dlq.actions': [{ partition: 0, low: '0', high: '3' }],
    });
    expect(await deadLetterDepth(log, 'cpor.claim-events.v1', 'review')).toEqual({ letters: 7, decisions: 3, unhandled: 4 });
  });

  it('is 0 when the DLQ does not exist or is empty, without asking for the actions topic', async () => {
    const missing = broker({});
    expect(await deadLetterDepth(missing.log, 'cpor.claim-events.v1', 'consent')).toEqual({ letters: 0, decisions: 0, unhandled: 0 });
    expect(missing.asked).toEqual(['cpor.claim-events.v1.consent.dlq']);
  });

  it('never counts below 0 unhandled (decisions outlived their letters)', async () => {
    const { log } = broker({
      't.g.dlq': [{ partition: 0, low: '9', high: '10' }],
      't.g.dlq.actions': [{ partition: 0, low: '0', high: '5' }],
    });
    expect(await deadLetterDepth(log, 't', 'g')).toEqual({ letters: 1, decisions: 5, unhandled: 0 });
  });
});

describe('DeadLetterQueue.redrive', () => {
  it('refuses letters written without their value (redriven, each would be an empty record), and sends nothing', async () => {
    const sent: unknown[] = [];
    const log = { topicName: (topic: string) => topic, ensureTopics: async () => undefined, publishRaw: async (records: unknown[]) => void sent.push(...records) };
    const queue = new DeadLetterQueue(log as never, 'cpor.claim-requests.v1', 'intake');
    const letter = (offset: string, headers: Record<string, string>) =>
      ({ summary: { partition: 0, offset }, record: { topic: queue.deadLetterTopic, partition: 0, offset, timestamp: '0', key: null, value: headers[VALUE_DROPPED_HEADER] ? null : Buffer.from('{}'), headers } }) as never;
    const letters = [letter('4', { ce_id: 'a' }), letter('5', { ce_id: 'b', [VALUE_DROPPED_HEADER]: 'too large' })];
    await expect(queue.redrive(letters, { by: 'ops' })).rejects.toThrow(/carry no value .*0@5.*replay/);
    expect(sent).toEqual([]);
  });
});
