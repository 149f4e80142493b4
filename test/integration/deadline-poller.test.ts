// Integration: the deadline poller on the real MongoDB-wire server (FerretDB unless MONGO_URL
// says otherwise). Each run uses its own database.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { daysFrom, deadlineModel, DeadlinePoller, DeadlineStore, openMongoConnection, pollDayOf, type Deadline } from '@cpor/persistence';
import { SystemClock } from '@cpor/kernel';
import { BusinessCalendar, EVENT_TYPES, POLICIES, type ClaimState } from '@cpor/domain';
import { planReviewDeadlines } from '../../apps/review/src/deadlines/review-deadline-plan.js';
import { applyDeadlinePlan } from '../../apps/review/src/deadlines/review-deadlines.js';
import { ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';

const HOUR_MS = 3_600_000;

describe('deadline poller on the real MongoDB-wire server', () => {
  let connection: Connection;

  beforeAll(async () => {
    connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_it_deadlines_${randomUUID().slice(0, 8)}`);
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('a deadline is looked for on the day it falls due, or on the day it was scheduled when already due', () => {
    const scheduledAt = new Date('2026-12-03T10:00:00Z');
    expect(pollDayOf(new Date('2026-12-10T23:59:00Z'), scheduledAt)).toBe('2026-12-10');
    expect(pollDayOf(new Date('2026-11-01T08:00:00Z'), scheduledAt)).toBe('2026-12-03');
    expect(daysFrom('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(daysFrom('2026-12-03', '2026-12-02')).toEqual([]);
  });

  it('as the clock moves over days, every deadline fires once, in due order, including one scheduled already due', async () => {
    const clock = new ManualClock();
    const store = new DeadlineStore(deadlineModel(connection), `owner-${randomUUID().slice(0, 8)}`, clock);
    const fired: string[] = [];
    const poller = new DeadlinePoller(
      store,
      async (deadline: Deadline) => {
        fired.push(deadline.claimId);
      },
      { intervalMs: 60_000 },
    );
    const at = (hours: number) => new Date(clock.now().getTime() + hours * HOUR_MS);
    await store.schedule({ kind: 'sla', claimId: 'in-3-days', epoch: 1, dueAt: at(72) });
    await store.schedule({ kind: 'sla', claimId: 'in-1-day', epoch: 1, dueAt: at(24) });
    await store.schedule({ kind: 'sla', claimId: 'in-40-days', epoch: 1, dueAt: at(40 * 24) });

    expect(await poller.fireDue()).toBe(0); // the first poll: a full sweep, nothing due
    clock.advance(25 * HOUR_MS);
    expect(await poller.fireDue()).toBe(1); // a poll by days
    expect(fired).toEqual(['in-1-day']);

    // Scheduled already due (a consumer that ran late): found on today's poll day.
    await store.schedule({ kind: 'sla', claimId: 'already-due', epoch: 1, dueAt: at(-48) });
    expect(await poller.fireDue()).toBe(1);
    clock.advance(48 * HOUR_MS);
    expect(await poller.fireDue()).toBe(1);
    clock.advance(38 * 24 * HOUR_MS);
    expect(await poller.fireDue()).toBe(1);
    expect(fired).toEqual(['in-1-day', 'already-due', 'in-3-days', 'in-40-days']);

    expect(await poller.fireDue()).toBe(0);
    expect(await store.due(10)).toEqual([]);
    await poller.stop();
  });

  it('wakes for a deadline falling due before its next poll, instead of firing it a whole interval late', async () => {
    const store = new DeadlineStore(deadlineModel(connection), `owner-${randomUUID().slice(0, 8)}`, new SystemClock());
    const fired: Array<{ claimId: string; lateMs: number }> = [];
    // A poll interval far longer than the test's wait: only the wake-up can fire it in time.
    const poller = new DeadlinePoller(store, async (deadline: Deadline) => void fired.push({ claimId: deadline.claimId, lateMs: -store.msUntil(deadline.dueAt) }), { intervalMs: 120_000 });
    await store.schedule({ kind: 'sla', claimId: 'soon', epoch: 1, dueAt: new Date(Date.now() + 1_500) });
    poller.start();
    expect(await poller.fireDue()).toBe(0); // not due yet: the poll books a wake-up for it
    await waitFor(() => fired.length === 1, { timeoutMs: 30_000, message: 'the deadline fired by its wake-up' });
    expect(fired[0].claimId).toBe('soon');
    expect(fired[0].lateMs).toBeGreaterThanOrEqual(0); // never early
    await poller.stop();
  });

  it("a round's query lists at most its limit of due deadlines, earliest first among them, and rounds that fire what they list reach every due deadline once", async () => {
    const clock = new ManualClock();
    const store = new DeadlineStore(deadlineModel(connection), `owner-${randomUUID().slice(0, 8)}`, clock);
    const at = (hours: number) => new Date(clock.now().getTime() + hours * HOUR_MS);
    // Scheduled in an order unrelated to when they fall due: 12 due within the next day, 3 later.
    const dueHours = [5, 20, 1, 11, 15, 2, 17, 4, 7, 3, 13, 6];
    const laterHours = [30, 50, 24 * 9];
    for (const hours of [...dueHours, ...laterHours]) await store.schedule({ kind: 'sla', claimId: `in-${hours}-hours`, epoch: 1, dueAt: at(hours) });
    clock.advance(21 * HOUR_MS);
    const now = clock.now().getTime();
    const days = daysFrom(pollDayOf(at(-21), at(-21)), store.today());

    for (const scope of [undefined, days]) {
      const first = await store.dueNow(5, scope);
      expect(first).toHaveLength(5);
      expect(first.every((deadline) => deadline.status === 'pending' && deadline.dueAt.getTime() <= now)).toBe(true);
      const times = first.map((deadline) => deadline.dueAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }

    const listed: string[] = [];
    for (let round = 0; round < 10; round++) {
      const deadlines = await store.dueNow(5, days);
      if (deadlines.length === 0) break;
      for (const deadline of deadlines) {
        listed.push(deadline.claimId);
        await store.markFired(deadline._id);
      }
    }
    expect([...listed].sort()).toEqual(dueHours.map((hours) => `in-${hours}-hours`).sort());
    expect((await store.due(10, undefined, 24 * 10 * HOUR_MS)).map((deadline) => deadline.claimId)).toEqual(laterHours.map((hours) => `in-${hours}-hours`));
  });

  it('a deadline of a later status epoch is not cancelled by an older event', async () => {
    const store = new DeadlineStore(deadlineModel(connection), `owner-${randomUUID().slice(0, 8)}`, new ManualClock());
    const dueAt = new Date(Date.now() + 24 * HOUR_MS);
    await store.schedule({ kind: 'partner-response', claimId: 'c1', epoch: 3, dueAt });
    // A replayed event of epoch 2 (say the claim's review start) says partner-response is moot.
    await store.cancel('c1', ['partner-response'], 2);
    expect((await store.pendingFor('c1')).map((deadline) => deadline.epoch)).toEqual([3]);
    // The event of epoch 3 or later that makes it moot cancels it.
    await store.cancel('c1', ['partner-response'], 3);
    expect(await store.pendingFor('c1')).toEqual([]);
  });

  it("review's deadlines under a replay: an old event of the epoch leaves a later dispute's answer timer running; the dispute's decision ends it for good", async () => {
    const store = new DeadlineStore(deadlineModel(connection), 'review', new ManualClock());
    const calendar = new BusinessCalendar({ timeZone: 'UTC' });
    const claimId = `claim-${randomUUID().slice(0, 8)}`;
    const at = new Date().toISOString();
    const rejected = {
      id: claimId,
      policyId: Object.keys(POLICIES)[0],
      status: 'Rejected',
      statusEpoch: 5,
      statusChangedAt: at,
      rejection: { reason: 'insufficient-poe', rejectedAt: at, disputeUntil: new Date(Date.now() + 30 * 24 * HOUR_MS).toISOString() },
      disputes: [],
    } as unknown as ClaimState;
    const dispute = { id: 'd1', openedAt: at, poeDocumentIds: [], dueAt: new Date(Date.now() + 5 * 24 * HOUR_MS).toISOString() };
    const disputed = { ...rejected, disputes: [dispute] } as ClaimState;
    const sustained = { ...rejected, disputes: [{ ...dispute, decision: 'sustained', decidedAt: at }] } as ClaimState;
    const apply = (type: string, claim: ClaimState) => applyDeadlinePlan(store, planReviewDeadlines(type, claim, calendar), claim);
    const pending = async () => (await store.pendingFor(claimId)).map((deadline) => deadline._id);
    const timer = DeadlineStore.keyOf('review', 'dispute-answer', claimId, 5, 'd1');

    await apply(EVENT_TYPES.rejected, rejected);
    await apply(EVENT_TYPES.disputed, disputed);
    expect(await pending()).toEqual([timer]);
    // The review group replayed: the rejection (its claim had no dispute yet), then the dispute.
    await apply(EVENT_TYPES.rejected, rejected);
    await apply(EVENT_TYPES.disputed, disputed);
    expect(await pending()).toEqual([timer]);
    // Sustained: the claim stays Rejected in epoch 5, and the dispute's timer ends; replays do not revive it.
    await apply(EVENT_TYPES.disputeDecided, sustained);
    expect(await pending()).toEqual([]);
    await apply(EVENT_TYPES.disputed, disputed);
    await apply(EVENT_TYPES.rejected, rejected);
    expect(await pending()).toEqual([]);
  });

  it('a round that could not take the lease is not counted as a poll: the sweep runs again once the lease is free', async () => {
    const clock = new ManualClock();
    const owner = `owner-${randomUUID().slice(0, 8)}`;
    const store = new DeadlineStore(deadlineModel(connection), owner, clock);
    await store.schedule({ kind: 'sla', claimId: 'three-days-ago', epoch: 1, dueAt: new Date(clock.now().getTime() + HOUR_MS) });
    clock.advance(3 * 24 * HOUR_MS);
    // An instance that died while polling: its lease is still held.
    const deadInstance = new DeadlineStore(deadlineModel(connection), owner, clock).pollerLease(60_000);
    expect(await deadInstance.hold()).toBe(true);
    const fired: string[] = [];
    const poller = new DeadlinePoller(store, async (deadline: Deadline) => void fired.push(deadline.claimId), { intervalMs: 60_000 });
    expect(await poller.fireDue()).toBe(0);
    await deadInstance.release(); // its lease ran out
    // Still the start-up sweep, not a poll of the last two days only: the deadline is found (once
    // the poller, standing by, asks for the lease again: within a second).
    await waitFor(async () => (await poller.fireDue()) === 1, { timeoutMs: 10_000, message: 'the sweep run again once the lease is free' });
    expect(fired).toEqual(['three-days-ago']);
    await poller.stop();
  });

  it('after a round that fired, wakes for the next deadline falling due before its next poll', async () => {
    const store = new DeadlineStore(deadlineModel(connection), `owner-${randomUUID().slice(0, 8)}`, new SystemClock());
    const fired: Array<{ claimId: string; lateMs: number }> = [];
    const poller = new DeadlinePoller(store, async (deadline: Deadline) => void fired.push({ claimId: deadline.claimId, lateMs: -store.msUntil(deadline.dueAt) }), { intervalMs: 120_000 });
    await store.schedule({ kind: 'sla', claimId: 'due-now', epoch: 1, dueAt: new Date(Date.now() - 1_000) });
    await store.schedule({ kind: 'sla', claimId: 'soon-after', epoch: 1, dueAt: new Date(Date.now() + 2_000) });
    poller.start();
    expect(await poller.fireDue()).toBe(1); // fires the one due; the next round books the wake-up
    await waitFor(() => fired.length === 2, { timeoutMs: 30_000, message: 'the second deadline fired by its wake-up, not a poll 120 s later' });
    expect(fired.map((entry) => entry.claimId)).toEqual(['due-now', 'soon-after']);
    expect(fired[1].lateMs).toBeGreaterThanOrEqual(0);
    await poller.stop();
  });
});
