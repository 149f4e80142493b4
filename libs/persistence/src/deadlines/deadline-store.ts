import { Logger } from '@nestjs/common';
import { Schema, type Connection, type Model } from 'mongoose';
import { type Clock, forEachConcurrently, isMovableClock, PollingLoop } from '@cpor/kernel';
import { LeaseHolder, LeaseStore, leaseModel } from '../leases.js';
import { insertUnlessExists } from '../insert-unless-exists.js';
import { op } from '../trusted.js';

export type DeadlineStatus = 'pending' | 'fired' | 'cancelled';

export interface Deadline {
  /** Deterministic key (owner:kind:claimId:epoch[:ref]): scheduling the same deadline twice is a no-op. */
  _id: string;
  owner: string;
  kind: string;
  claimId: string;
  /** Claim status epoch the deadline belongs to; a later status change makes it moot. */
  epoch: number;
  dueAt: Date;
  /** The UTC day (YYYY-MM-DD) pollers look for it on: see pollDayOf. */
  pollDay: string;
  status: DeadlineStatus;
  /** After a failed firing: not before this wall-clock time. */
  retryAt: Date | null;
  attempts: number;
  createdAt: Date;
  firedAt?: Date;
  lastError?: string;
}

const deadlineSchema = new Schema<Deadline>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    kind: { type: String, required: true },
    claimId: { type: String, required: true, index: true },
    epoch: { type: Number, required: true },
    dueAt: { type: Date, required: true },
    pollDay: { type: String, required: true },
    status: { type: String, required: true },
    retryAt: { type: Date, default: null },
    attempts: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
    firedAt: { type: Date },
    lastError: { type: String },
  },
  { collection: 'deadlines', versionKey: false },
);
deadlineSchema.index({ owner: 1, status: 1, pollDay: 1 });

export function deadlineModel(connection: Connection): Model<Deadline> {
  return (connection.models.Deadline as Model<Deadline> | undefined) ?? connection.model<Deadline>('Deadline', deadlineSchema);
}

export interface ScheduleDeadline {
  kind: string;
  claimId: string;
  epoch: number;
  dueAt: Date;
  /** Tells apart deadlines of one kind within one epoch (e.g. the dispute id). */
  ref?: string;
}

/** Deadlines of one owning service (review, consent...), fired by a leased poller. */
export class DeadlineStore {
  private readonly leases: LeaseStore;

  constructor(
    private readonly deadlines: Model<Deadline>,
    private readonly owner: string,
    private readonly clock: Clock,
  ) {
    this.leases = new LeaseStore(leaseModel(deadlines.db));
  }

  static keyOf(owner: string, kind: string, claimId: string, epoch: number, ref?: string): string {
    return `${owner}:${kind}:${claimId}:${epoch}${ref ? `:${ref}` : ''}`;
  }

  /** Idempotent: a replayed event schedules nothing new (an insert on the deterministic id; a duplicate key is the no-op). */
  async schedule(deadline: ScheduleDeadline): Promise<void> {
    const row: Deadline = {
      _id: DeadlineStore.keyOf(this.owner, deadline.kind, deadline.claimId, deadline.epoch, deadline.ref),
      owner: this.owner,
      kind: deadline.kind,
      claimId: deadline.claimId,
      epoch: deadline.epoch,
      dueAt: deadline.dueAt,
      pollDay: pollDayOf(deadline.dueAt, this.clock.now()),
      status: 'pending',
      retryAt: null,
      attempts: 0,
      createdAt: this.clock.now(),
    };
    await insertUnlessExists(this.deadlines, row);
  }

  /**
   * Cancels the claim's pending deadlines of these kinds, of status epoch `upToEpoch` and earlier:
   * the event that made them moot arrived. A deadline of a later epoch is left running, so an old
   * event (duplicated, replayed, rewound) cannot cancel what a newer one scheduled.
   */
  async cancel(claimId: string, kinds: string[], upToEpoch: number): Promise<void> {
    // One command: the claim's rows are few; the store finds them by claimId (pushed down) and
    // checks the rest on those rows only (see cancellableDeadlinesQuery).
    await this.deadlines.updateMany(cancellableDeadlinesQuery(this.owner, claimId, kinds, upToEpoch), { $set: { status: 'cancelled' } }).exec();
  }

  /**
   * Cancels these deadlines of the claim, by their keys, if still pending: what an event ended
   * within its own status epoch (a sustained dispute's answer timer). A deadline once ended stays
   * ended, so no replay can wrongly cancel by key.
   */
  async cancelExact(claimId: string, deadlines: ReadonlyArray<Omit<ScheduleDeadline, 'claimId' | 'dueAt'>>): Promise<void> {
    const ids = deadlines.map((deadline) => DeadlineStore.keyOf(this.owner, deadline.kind, claimId, deadline.epoch, deadline.ref));
    await this.deadlines.updateMany(exactDeadlinesQuery(claimId, ids), { $set: { status: 'cancelled' } }).exec();
  }

  async pendingFor(claimId: string): Promise<Deadline[]> {
    return this.deadlines.find({ owner: this.owner, claimId, status: 'pending' }).sort({ dueAt: 1 }).lean<Deadline[]>().exec();
  }

  /**
   * Deadlines due now, earliest first. With `days`, only the rows looked for on those days (one
   * query each, an equality the store pushes down); without, every pending row of the owner.
   * With `lookaheadMs`, also those falling due within that long (the poller's next wake-up).
   */
  async due(limit: number, days?: readonly string[], lookaheadMs = 0): Promise<Deadline[]> {
    return this.listDue(new Date(this.clock.now().getTime() + lookaheadMs), limit, days, { sortedByStore: true });
  }

  /**
   * Up to `limit` deadlines due now, earliest first among those read: a poller's round of firings.
   * Not sorted by the store, as `due` is: FerretDB v1 sorts in Go after decoding every row its
   * filter matches, so a clock move that made 5,000 deadlines of one day due decoded all 5,000
   * for each round of 200; unsorted, a query stops at its limit. Every row read is due now, and
   * rounds go on until none is, so what a round leaves out only waits for the next one.
   */
  async dueNow(limit: number, days?: readonly string[]): Promise<Deadline[]> {
    return this.listDue(this.clock.now(), limit, days, { sortedByStore: false });
  }

  /**
   * The rows due at `at`, one query per poll day (or one over all of them), earliest first. Sorted
   * by the store, each day's query reads up to `limit` (an earlier row may be on a later day);
   * unsorted, the limit counts across days and the queries stop once it is reached.
   */
  private async listDue(at: Date, limit: number, days: readonly string[] | undefined, { sortedByStore }: { sortedByStore: boolean }): Promise<Deadline[]> {
    const wallClock = new Date();
    const found: Deadline[] = [];
    for (const day of days ?? [undefined]) {
      const left = sortedByStore ? limit : limit - found.length;
      if (left <= 0) break;
      const query = this.deadlines.find(dueDeadlinesQuery(this.owner, at, wallClock, day)).limit(left).batchSize(left);
      if (sortedByStore) query.sort({ dueAt: 1 });
      found.push(...(await query.lean<Deadline[]>().exec()));
    }
    return found.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime()).slice(0, limit);
  }

  /**
   * The owner's pending deadlines per kind, for metrics (at most every 30 s): how many run, how
   * many are due and not fired yet, and how many of those have been due for over `overdueAfterMs`
   * (business clock). One query on equalities the store pushes down (fired and cancelled rows
   * leave it), only the kind and due time of each row coming back. Kinds in `kinds` are listed
   * even when none is pending.
   */
  async pendingSummary(overdueAfterMs: number, kinds: readonly string[] = []): Promise<DeadlineSummary[]> {
    const rows = await this.deadlines.find(pendingDeadlinesQuery(this.owner), { _id: 0, kind: 1, dueAt: 1 }).lean<Array<Pick<Deadline, 'kind' | 'dueAt'>>>().exec();
    return summarizeDeadlines(rows, this.clock.now(), overdueAfterMs, kinds);
  }

  /** Calls `listener` when the business clock jumps forward (controlled clock only). */
  onClockMove(listener: () => void): () => void {
    return isMovableClock(this.clock) ? this.clock.onMove(listener) : () => undefined;
  }

  /** How long until `at` on the business clock (negative once past). */
  msUntil(at: Date): number {
    return at.getTime() - this.clock.now().getTime();
  }

  /** Today's UTC day on the business clock (the pollers' cursor). */
  today(): string {
    return utcDay(this.clock.now());
  }

  /** The lease the owner's pollers take turns with, so one instance fires at a time. */
  pollerLease(ttlMs: number): LeaseHolder {
    return new LeaseHolder(this.leases, `deadline-poller:${this.owner}`, ttlMs);
  }

  /**
   * By `_id` alone (as markSent of deliveries, for the same reason: with `status` beside it the
   * store read every pending deadline's index entry). A row cancelled while it fired becomes fired:
   * the poller did handle it, and either way it has left the pending rows.
   */
  async markFired(id: string): Promise<void> {
    await this.deadlines.updateOne({ _id: id }, { $set: { status: 'fired', firedAt: this.clock.now() } }).exec();
  }

  /** Firing failed: retry a little later (wall clock) rather than spin. */
  async release(id: string, error: string): Promise<void> {
    await this.deadlines
      .updateOne({ _id: id }, { $set: { lastError: error.slice(0, 500), retryAt: new Date(Date.now() + 2_000) }, $inc: { attempts: 1 } })
      .exec();
  }
}

/**
 * The poller's query: the owner's pending rows (equalities the store pushes down; fired and
 * cancelled rows leave it), of one poll day when given, then due ones.
 */
export function dueDeadlinesQuery(owner: string, now: Date, wallClock: Date, pollDay?: string): Record<string, unknown> {
  return {
    owner,
    status: 'pending',
    ...(pollDay ? { pollDay } : {}),
    dueAt: op({ $lte: now }),
    $or: [{ retryAt: null }, { retryAt: op({ $lte: wallClock }) }],
  };
}

/**
 * A claim's pending deadlines of these kinds and epochs: what an event that makes them moot
 * cancels. Only `claimId` is an equality, so it is the one filter FerretDB pushes down (it pushes
 * no `$in`) and PostgreSQL reads the claim's few rows (done ones too) through its index. With
 * `owner` and `status` as equalities too, PostgreSQL chose the (owner, status, pollDay) index and
 * read every pending deadline of the owner for each cancel (469 rows per claim at 500 claims).
 */
export function cancellableDeadlinesQuery(owner: string, claimId: string, kinds: readonly string[], upToEpoch: number): Record<string, unknown> {
  return { claimId, owner: op({ $in: [owner] }), status: op({ $in: ['pending'] }), kind: op({ $in: [...kinds] }), epoch: op({ $lte: upToEpoch }) };
}

/** These pending deadlines of a claim, by key: `claimId` is the equality pushed down (as in cancellableDeadlinesQuery). */
export function exactDeadlinesQuery(claimId: string, ids: readonly string[]): Record<string, unknown> {
  return { claimId, _id: op({ $in: ids.map(String) }), status: op({ $in: ['pending'] }) };
}

/** The owner's pending deadlines (equalities the store pushes down): what metrics read. */
export function pendingDeadlinesQuery(owner: string): Record<string, unknown> {
  return { owner, status: 'pending' };
}

/** Pending deadlines of one kind: running, due (not fired yet) and overdue (due for a while). */
export interface DeadlineSummary {
  kind: string;
  pending: number;
  due: number;
  overdue: number;
}

/** Counts pending rows per kind at `now`: due when `dueAt <= now`, overdue when `dueAt <= now - overdueAfterMs`. */
export function summarizeDeadlines(rows: ReadonlyArray<Pick<Deadline, 'kind' | 'dueAt'>>, now: Date, overdueAfterMs: number, kinds: readonly string[] = []): DeadlineSummary[] {
  const byKind = new Map<string, DeadlineSummary>(kinds.map((kind) => [kind, { kind, pending: 0, due: 0, overdue: 0 }]));
  for (const { kind, dueAt } of rows) {
    let summary = byKind.get(kind);
    if (!summary) byKind.set(kind, (summary = { kind, pending: 0, due: 0, overdue: 0 }));
    summary.pending++;
    const late = now.getTime() - new Date(dueAt).getTime();
    if (late >= 0) summary.due++;
    if (late >= overdueAfterMs) summary.overdue++;
  }
  return [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}

/**
 * The day a pending deadline is looked for on: the UTC day it falls due, or the day it was
 * scheduled if that is later (a deadline scheduled already due). A poll then reads only the rows
 * of the days since its last poll, not every pending deadline: FerretDB v1.24 pushes down
 * equalities only, so `dueAt <= now` alone would read them all on every poll (docs/performance-history.md).
 */
export function pollDayOf(dueAt: Date, scheduledAt: Date): string {
  return utcDay(dueAt.getTime() > scheduledAt.getTime() ? dueAt : scheduledAt);
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The UTC days from `from` to `to` inclusive (none when `from` is later). */
export function daysFrom(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); utcDay(new Date(at)) <= to; at += DAY_MS) days.push(utcDay(new Date(at)));
  return days;
}

const DAY_MS = 86_400_000;
/** A poll reads every pending row of the owner when it starts, after this long, or after a jump of more days than this. */
const FULL_SWEEP_EVERY_MS = 5 * 60_000;
const MOST_DAYS_PER_POLL = 62;

/**
 * Deadlines one round lists (dueNow: unsorted by the store, so it reads about this many rows) and
 * fires; a round is a few seconds of firing, well inside the lease.
 */
const DEADLINES_PER_ROUND = 200;
/**
 * How long an instance that died while polling keeps the others from polling. Short, since it
 * only saves duplicate work (each firing is applied once by the ledger) and delays deadlines.
 */
const POLLER_LEASE_MS = 20_000;
/**
 * Firings at once: each is a ledger command on its own claim, mostly waiting for the store. At 4,
 * the 500 consent windows a clock move made due fired at 35-45 a second; at 16, 62-68 a second
 * (docs/performance-history.md).
 */
const FIRED_AT_ONCE = 16;

export type DeadlineHandler = (deadline: Deadline) => Promise<void>;

/**
 * Polls for due deadlines and fires them through its handler; safe with many instances. One
 * instance of an owner fires at a time (the poller lease); that only saves duplicate work: each
 * firing is a ledger command whose id is the deadline's, applied once however often it is sent.
 */
export class DeadlinePoller {
  private readonly logger = new Logger(DeadlinePoller.name);
  private readonly loop: PollingLoop;
  private readonly lease: LeaseHolder;
  /** The business day of the last poll that completed, and when (wall clock) the last full sweep ran. */
  private lastPolledDay: string | undefined;
  private lastFullSweepAt = 0;
  private stopFollowingClock: () => void = () => undefined;

  constructor(
    private readonly store: DeadlineStore,
    private readonly handler: DeadlineHandler,
    private readonly options: { intervalMs: number; leaseMs?: number },
  ) {
    this.loop = new PollingLoop(DeadlinePoller.name, () => this.fireDue(), options.intervalMs);
    this.lease = store.pollerLease(options.leaseMs ?? POLLER_LEASE_MS);
  }

  start(): void {
    this.loop.start();
    // A move of the controlled clock may make many deadlines due at once: poll now, not in a while.
    this.stopFollowingClock = this.store.onClockMove(() => this.loop.nudge());
  }

  async stop(): Promise<void> {
    this.stopFollowingClock();
    await this.loop.stop();
    await this.lease.release().catch(() => undefined);
  }

  /**
   * Fires every deadline due now; returns how many fired. It looks for the earliest deadline due
   * (no lease taken when none is), then, under the poller lease, lists up to 200 due ones a round
   * and fires them 16 at a time (distinct claims' transitions overlap in the store). Rows are
   * listed by poll day, from the day before the last poll's to today (the day before covers a
   * scheduler whose clock is a little behind); a full sweep of the owner's pending rows runs at
   * start, every 5 minutes (a deadline whose firing kept failing for days) and after a long jump
   * of the clock.
   */
  async fireDue(): Promise<number> {
    const today = this.store.today();
    const fullSweep =
      this.lastPolledDay === undefined ||
      today < this.lastPolledDay || // a test clock set back
      Date.now() - this.lastFullSweepAt >= FULL_SWEEP_EVERY_MS ||
      daysFrom(this.lastPolledDay, today).length > MOST_DAYS_PER_POLL;
    const days = fullSweep ? undefined : daysFrom(previousDay(this.lastPolledDay!), today);
    const round = await this.fireDueOn(days);
    // Another instance held the lease (perhaps one that died holding it): nothing was looked at
    // under it, so these days (or this sweep) are still to do on a later round.
    if (!round.done) return round.fired;
    if (fullSweep) this.lastFullSweepAt = Date.now();
    this.lastPolledDay = today;
    // Firing took a while, and the next deadline may fall due before the next poll: poll again
    // now, and that round books its wake-up (a round that fires nothing looks ahead itself).
    if (round.fired > 0) this.loop.nudge();
    return round.fired;
  }

  /** `done` is false when due deadlines were found but the lease was held by another instance. */
  private async fireDueOn(days: readonly string[] | undefined): Promise<{ fired: number; done: boolean }> {
    // The first row due now or before the next poll: a later one is woken for exactly, so a
    // deadline fires at its due time, not up to a poll interval after it.
    const [next] = await this.store.due(1, days, this.options.intervalMs);
    if (!next) return { fired: 0, done: true };
    const untilDueMs = this.store.msUntil(next.dueAt);
    if (untilDueMs > 0) {
      this.loop.nextRoundWithin(untilDueMs);
      return { fired: 0, done: true };
    }
    let fired = 0;
    let done = false;
    // A deadline whose firing failed waits for its retryAt; within this call it is not tried again.
    const failed = new Set<string>();
    try {
      while (!this.loop.stopping && (await this.lease.hold())) {
        const due = (await this.store.dueNow(DEADLINES_PER_ROUND + failed.size, days)).filter((deadline) => !failed.has(deadline._id));
        if (due.length === 0) {
          done = true;
          break;
        }
        await forEachConcurrently(due.slice(0, DEADLINES_PER_ROUND), FIRED_AT_ONCE, async (deadline) => {
          if (this.loop.stopping) return;
          try {
            await this.handler(deadline);
            await this.store.markFired(deadline._id);
            fired++;
          } catch (error) {
            failed.add(deadline._id);
            this.logger.warn(`deadline ${deadline.kind} of claim ${deadline.claimId} failed: ${(error as Error).message}`);
            await this.store.release(deadline._id, (error as Error).message);
          }
        });
      }
    } finally {
      await this.lease.release();
    }
    return { fired, done };
  }
}

function previousDay(day: string): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS));
}
