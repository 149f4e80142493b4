import { setTimeout as sleep } from 'node:timers/promises';
import type { MessagingAdmin } from '@cpor/messaging';

/** What the suite asks the broker, the same way wherever it asks it (the runner and the scenarios). */

type GroupDescription = Awaited<ReturnType<MessagingAdmin['describeGroup']>>;

/**
 * Describes the group, pausing `pauseMs` after each miss, until `ok` holds (true), or `attempts`
 * descriptions missed or `timeoutMs` passed (false). A description the broker cannot give (it is
 * busy) is a miss.
 */
export async function waitForGroup(
  admin: MessagingAdmin,
  group: string,
  ok: (description: GroupDescription) => boolean,
  limits: { pauseMs: number; timeoutMs?: number; attempts?: number },
): Promise<boolean> {
  const giveUpAt = Date.now() + (limits.timeoutMs ?? Infinity);
  for (let attempt = 0; attempt < (limits.attempts ?? Infinity) && Date.now() < giveUpAt; attempt++) {
    try {
      if (ok(await admin.describeGroup(group))) return true;
    } catch {
      // the broker is busy: ask again
    }
    await sleep(limits.pauseMs);
  }
  return false;
}

/** A topic's offsets summed over its partitions: `end`, the log end offsets; `records`, what it holds (end minus start). */
export async function topicTotals(admin: MessagingAdmin, topic: string): Promise<{ end: number; records: number }> {
  const offsets = (await admin.topicOffsets(topic)) ?? [];
  return {
    end: offsets.reduce((sum, p) => sum + Number(p.high), 0),
    records: offsets.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0),
  };
}
