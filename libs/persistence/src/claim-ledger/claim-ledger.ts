import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { type CloudEvent, type LifecycleEventData, TOPICS } from '@cpor/contracts';
import {
  decide,
  DomainError,
  getPolicy,
  runningReviewSla,
  type Actor,
  type BusinessCalendar,
  type ClaimCommand,
  type ClaimState,
  type ClaimStatus,
} from '@cpor/domain';
import { amendRequestContext, currentTraceparent, inSpan, isTransient, requestContext, type Clock } from '@cpor/kernel';
import { isDuplicateKeyError, mayHaveBeenApplied, VersionConflictError } from '../errors.js';
import { insertUnlessExists, unwrapped } from '../insert-unless-exists.js';
import { op } from '../trusted.js';
import type { ClaimModel, ClaimRecord, HistoryRecord, OutboxEntry } from './claim-record.js';
import { publishedEvent, relayBucketOf, storedTransition, transitionId, transitionsAfter, type ClaimTransition, type ClaimTransitionModel } from './claim-transition.js';

export interface LedgerCommandOptions {
  /** Id of the request or event that caused this command: a second delivery changes nothing. */
  commandId?: string;
  /** Version the caller read (HTTP If-Match). A mismatch is a VersionConflictError, never an overwrite. */
  expectedVersion?: number;
  /** Event-driven commands re-read and decide again after losing a race; HTTP commands do not. */
  retryOnConflict?: boolean;
  /**
   * `ce_correlationid` of the events: the chain of work they belong to. Default: the current
   * request context's (the HTTP request's `X-Correlation-Id`, the consumed record's
   * `ce_correlationid`), else the command id, else a new random UUID.
   */
  correlationId?: string;
  /** `ce_causationid` of the events: the request or event that caused them (default: the command id). */
  causationId?: string;
  /**
   * A condition on the claim as it stands (e.g. "still in the approval this event is about"): when
   * it does not hold, nothing is applied and the result (`applied: false`) carries the claim as it
   * is. Saves the caller a read before the command. Judged like a refusal: only on the log's
   * newest state, never on a lagging snapshot.
   */
  onlyIf?: (state: ClaimState) => boolean;
  /** Records for other topics that must leave through the same outbox (e.g. the downstream assessment). */
  alsoPublish?: (state: ClaimState, version: number) => Array<{ topic: string; id: string; type: string; data: unknown }>;
}

/** One command of several applied together (ClaimLedger.executeInOrder, and `then` of create). */
export interface LedgerStep {
  command: ClaimCommand;
  options: LedgerCommandOptions;
}

export interface LedgerResult {
  /** False when the command id had been applied before (a duplicate or replay); with several commands, when none was applied now. */
  applied: boolean;
  claim: ClaimView;
  events: CloudEvent[];
}

export type ClaimView = Omit<ClaimRecord, 'appliedCommandIds' | 'reviewQueued' | 'reviewQueuedAt'>;

export interface ClaimFilter {
  partnerId?: string;
  statuses?: ClaimStatus[];
  customer?: string;
  createdFrom?: Date;
  createdTo?: Date;
  /** Changed strictly after / at or before (what a synchronising client asks for). */
  updatedAfter?: Date;
  updatedBefore?: Date;
}

/** The order of a claim list: by creation or last change, ties broken by id (a total order, so keyset pages never skip or repeat). */
export interface ClaimSort {
  field: 'createdAt' | 'updatedAt';
  direction: 'asc' | 'desc';
}

/** Where a page starts: after the claim with this sort value and id (the last of the previous page). */
export interface ClaimListPosition {
  value: Date;
  id: string;
}

export interface ClaimPage {
  limit: number;
  /** Keyset paging (preferred: stable while claims change). */
  after?: ClaimListPosition;
  /** Offset paging, kept for existing clients. */
  offset?: number;
}

/** Store round trips and races seen by one ledger, for the benchmark and metrics. */
export interface LedgerStats {
  transitions: number;
  roundTrips: number;
  conflicts: number;
  /** Inserts of the log sent again, unchanged, after an answer that did not say whether they were applied. */
  resentInserts: number;
}

/** The reviewers' queue: an equality the store pushes down (FerretDB on PostgreSQL) or answers from an index. */
export const REVIEW_QUEUE_QUERY = { reviewQueued: true } as const;

/** The partner's claim list. Every filter value is made a plain value here: no client object reaches the query. */
export function claimListQuery(filter: ClaimFilter): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  if (filter.partnerId !== undefined) query.partnerId = String(filter.partnerId);
  if (filter.statuses?.length === 1) query.status = String(filter.statuses[0]);
  else if (filter.statuses?.length) query.status = op({ $in: filter.statuses.map(String) });
  if (filter.customer !== undefined) query.$or = [{ customerTenantId: String(filter.customer) }, { customerName: String(filter.customer) }];
  if (filter.createdFrom || filter.createdTo) {
    query.createdAt = op({ ...(filter.createdFrom ? { $gte: new Date(filter.createdFrom) } : {}), ...(filter.createdTo ? { $lte: new Date(filter.createdTo) } : {}) });
  }
  if (filter.updatedAfter || filter.updatedBefore) {
    query.updatedAt = op({ ...(filter.updatedAfter ? { $gt: new Date(filter.updatedAfter) } : {}), ...(filter.updatedBefore ? { $lte: new Date(filter.updatedBefore) } : {}) });
  }
  return query;
}

/** The claims after `position` in `sort` order: a later (or earlier) value, or the same value and a greater id. */
export function claimListAfter(sort: ClaimSort, position: ClaimListPosition): Record<string, unknown> {
  const value = new Date(position.value);
  const beyond = op(sort.direction === 'desc' ? { $lt: value } : { $gt: value });
  return { $or: [{ [sort.field]: beyond }, { [sort.field]: value, _id: op({ $gt: String(position.id) }) }] };
}

/**
 * Each lost race means another writer committed, so retries end; the bound only stops a bug
 * from spinning. Many writers on one claim (20 parallel uploads) lose many rounds in a row.
 */
const MAX_CONFLICT_RETRIES = 64;
const VIEW_PROJECTION = { appliedCommandIds: 0, reviewQueued: 0, reviewQueuedAt: 0 } as const;

/** The snapshot as the ledger reads it, plus the log rows it has not caught up with yet. */
interface Current {
  snapshot: ClaimRecord | null;
  tail: ClaimTransition[];
  /** The ledger's `generation` when the call began: what it learnt is remembered only if no copy was dropped since. */
  generation: number;
}

/**
 * How many claims a ledger keeps its newest copy of (see ClaimLedger.remembered): enough for the
 * claims a service is working on at once (a review's start and its decision, a burst of consent
 * requests), small enough to stay some 5-20 MB (a claim's record is typically 5-20 KB).
 */
const REMEMBERED_CLAIMS = 1_000;

/** How many times a writer whose snapshot write matched nothing catches up and writes again. */
const SNAPSHOT_CATCH_UP_ROUNDS = 5;

/**
 * How long a log insert whose answer is lost (its connection broke after it was sent, or the
 * driver gave up on a store slower than its health probe and failed the operations in flight:
 * mayHaveBeenApplied) is sent again, unchanged, until the store says whether it is in. Past
 * this, the store is taken to be down and the caller gets the outage (HTTP 503); a keyed retry
 * then finds the command applied or not. Only for an HTTP request (see insert).
 */
const UNSURE_INSERT_RETRY_MS = 10_000;

/**
 * The only way any service changes a claim. A transition is at most three store round trips:
 *   1. read the claim's snapshot (`claims`);
 *   2. insert its row `<claimId>:<version>` into the transition log (`claim_transitions`): the
 *      compare-and-set. The store's unique key lets exactly one of several writers deciding from
 *      the same version in; the others get a duplicate key, i.e. a conflict. The row carries the
 *      new state, the history entry and the events (it is the outbox), so state and events can
 *      never disagree;
 *   3. advance the snapshot (an update filtered on the version it was read at).
 * No lock and no lease decides who writes. The snapshot is a cache of the log: a writer whose
 * snapshot lags (a writer that died between 2 and 3, or a slow one) finds the newer rows by `_id`
 * after its insert conflicts, decides again on them and repairs the snapshot.
 *
 * Step 1 is skipped when this ledger wrote or read the claim last (`remembered`): the next
 * command on it is decided on that copy, so it costs two round trips. A copy is never wrong,
 * only possibly old (the log only grows): if another writer has moved the claim on since, the
 * insert loses to that writer's row, and the ledger reads the newer rows and decides again, as
 * with a lagging snapshot; that first loss is not the caller's conflict.
 */
export class ClaimLedger {
  readonly stats: LedgerStats = { transitions: 0, roundTrips: 0, conflicts: 0, resentInserts: 0 };
  private readonly logger = new Logger(ClaimLedger.name);
  /** The newest copy of the claims this ledger last wrote or read, oldest first (a Map keeps insertion order). */
  private readonly remembered = new Map<string, ClaimRecord>();
  /** Moves on when every copy is dropped, so calls begun on a dropped copy do not bring theirs back. */
  private generation = 0;

  constructor(
    private readonly claims: ClaimModel,
    private readonly transitions: ClaimTransitionModel,
    private readonly clock: Clock,
    private readonly calendar: BusinessCalendar,
    private readonly source: string,
    private readonly onCommitted: () => void = () => undefined,
  ) {}

  /**
   * Each call runs in a span of its own (`claim <command>`), under the request or record that
   * sent it or as a new trace (a deadline firing): its store calls descend from it, and its events
   * carry its `traceparent`, so the relay publishes them into the same trace.
   *
   * `then`: commands of the same request that follow the creation (an upstream create with PoE
   * and submit), committed with it in one round trip (see commit).
   */
  create(command: Extract<ClaimCommand, { type: 'create' }>, actor: Actor, options: LedgerCommandOptions = {}, then: LedgerStep[] = []): Promise<LedgerResult> {
    return inSpan(`claim ${command.type}`, { attributes: { 'cpor.claim.command': command.type, 'cpor.claim.id': command.claimId } }, async (span) => {
      const result = await this.commit(command.claimId, [{ command, options }, ...then], actor, true);
      span.setAttribute('cpor.claim.applied', result.applied);
      return result;
    });
  }

  execute(claimId: string, command: ClaimCommand, actor: Actor, options: LedgerCommandOptions = {}): Promise<LedgerResult> {
    return this.executeInOrder(claimId, [{ command, options }], actor);
  }

  /**
   * Several commands of one request on one claim (PoE documents and a dispute), decided in order,
   * each on the state the one before left, and committed in one round trip (see commit). Each is
   * still its own transition with its own version, history entry and events.
   */
  executeInOrder(claimId: string, steps: LedgerStep[], actor: Actor): Promise<LedgerResult> {
    const type = steps.map((step) => step.command.type).join('+');
    return inSpan(`claim ${type}`, { attributes: { 'cpor.claim.command': type, 'cpor.claim.id': claimId } }, async (span) => {
      const result = await this.commit(claimId, steps, actor, false);
      span.setAttribute('cpor.claim.applied', result.applied);
      return result;
    });
  }

  /**
   * Decides each step not applied before on the state the previous one left, then inserts all
   * their rows in one ordered insert: the first row is the compare-and-set against other writers,
   * and an ordered insert stops at its first duplicate key, so the rows that got in are a prefix
   * of the plan. After a conflict the log is read again and the steps not yet in it are decided
   * again (each step's command id says whether it is in). A refusal of a later step commits the
   * steps before it and then answers the refusal, as one call per step would.
   */
  private async commit(claimId: string, steps: LedgerStep[], actor: Actor, creating: boolean): Promise<LedgerResult> {
    noteClaim(claimId);
    if (steps.length > 1 && steps.some((step) => !step.options.commandId)) {
      throw new Error('commands applied together each need a command id (it is how a retry finds which got in)');
    }
    const generation = this.generation;
    const copy = creating ? undefined : this.recall(claimId);
    const current: Current = { snapshot: creating ? null : (copy ?? (await this.readSnapshot(claimId))), tail: [], generation };
    try {
      return await this.decideAndCommit(claimId, steps, actor, creating, current, copy !== undefined);
    } catch (error) {
      // A refusal or conflict after reading newer rows: the next command starts from them, not from an old copy.
      if (current.tail.length > 0) this.remember(mergeSnapshot(current, this.calendar), current.generation);
      throw error;
    }
  }

  private async decideAndCommit(claimId: string, steps: LedgerStep[], actor: Actor, creating: boolean, current: Current, fromCopy: boolean): Promise<LedgerResult> {
    if (!creating && !current.snapshot) current.tail = await this.readTail(claimId, 0);
    /**
     * Deciding on a remembered copy that no read has checked yet. Its first lost insert may be to
     * rows older than this call (another writer moved the claim on since the copy): decided again
     * on the log, as a fresh read would have, instead of answered as a conflict. Any read of newer
     * rows ends it: a loss after that is a race like any other.
     */
    let onCopy = fromCopy;
    const readNewer = (after: number): Promise<ClaimTransition[]> => {
      onCopy = false;
      return this.readTail(claimId, after);
    };
    const committed: ClaimTransition[] = [];
    const result = (claim: ClaimView): LedgerResult => ({
      applied: committed.length > 0,
      claim,
      events: committed.flatMap((row) => row.outbox.map((entry) => publishedEvent(row, entry).event)),
    });
    attempts: for (let attempt = 0; ; attempt++) {
      const latest = latestOf(current);
      if (!latest && !creating) throw new DomainError('not-found', `Claim ${claimId} not found`, {});
      let state = latest?.state ?? null;
      let version = latest?.version ?? 0;
      const rows: ClaimTransition[] = [];
      const planned: LedgerStep[] = [];
      let refusal: DomainError | null = null;
      for (const step of steps) {
        const { command, options } = step;
        if (options.commandId && commandApplied(current, options.commandId)) continue;
        if (options.onlyIf && state && !options.onlyIf(state)) {
          if (rows.length === 0) {
            const newer = await readNewer(version);
            if (newer.length > 0) {
              current.tail.push(...newer);
              continue attempts;
            }
          }
          continue;
        }
        if (command.type === 'create' && state) {
          await this.repairAfter(committed, current);
          throw new DomainError('invalid-command', `Claim ${claimId} already exists`, { errors: ['claim id already exists'] });
        }
        if (rows.length === 0 && options.expectedVersion !== undefined && options.expectedVersion !== version) {
          // The snapshot may lag behind the log: look for newer rows before calling it a conflict.
          const newer = await readNewer(version);
          if (newer.length > 0) {
            current.tail.push(...newer);
            continue attempts;
          }
          throw new VersionConflictError(claimId, options.expectedVersion, version, true);
        }
        let outcome: ReturnType<typeof decide>;
        try {
          const policy = getPolicy(state ? state.policyId : (command as Extract<ClaimCommand, { type: 'create' }>).policyId);
          outcome = decide(state, command, actor, { now: this.clock.now(), policy, calendar: this.calendar });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          // Decided on this call's own plan: final. Commit the steps before it, then refuse.
          if (rows.length > 0) {
            refusal = error;
            break;
          }
          // A refusal counts only on the log's newest state. The snapshot may lag (its writer has
          // not advanced it yet, though the row is committed and maybe already relayed): a consumer
          // reacting to that very event would otherwise be refused on the state before it.
          const newer = state ? await readNewer(version) : [];
          if (newer.length === 0) {
            await this.repairAfter(committed, current);
            throw error;
          }
          current.tail.push(...newer);
          continue attempts;
        }
        version += 1;
        rows.push(this.transition(outcome, version, options));
        planned.push(step);
        state = outcome.state;
      }
      if (rows.length === 0) {
        // Every step was applied before (a duplicate or replay), by this call or an earlier one, or its condition does not hold.
        // The claim it answers is the newest, not a remembered copy.
        if (onCopy && latest) current.tail.push(...(await readNewer(latest.version)));
        return result(toView(await this.catchUp(current)));
      }
      if (await this.insert(rows)) {
        committed.push(...rows);
        current.tail.push(...rows);
      } else {
        this.stats.conflicts++;
        const lostOnCopy = onCopy;
        let reread: ClaimTransition[];
        if (latest) {
          reread = await readNewer(latest.version);
          current.tail.push(...reread);
        } else {
          // A creation that found the claim there: read it whole.
          const found = await this.load(claimId);
          reread = found.tail;
          Object.assign(current, { snapshot: found.snapshot, tail: found.tail });
        }
        const ours = rows.filter((row) => reread.some((logged) => sameTransition(logged, row)));
        committed.push(...ours);
        // Every row ours: an insert sent again after a lost answer had got in the first time. It
        // is applied, like an insert answered at once. Otherwise this call lost (some or all).
        if (ours.length < rows.length) {
          const first = planned[0];
          // The first step is in after all (a duplicate racing this one), or a creation found the
          // claim: decide the rest again on the log.
          if (first.command.type === 'create' || (first.options.commandId && commandApplied(current, first.options.commandId))) continue;
          // Decided on an unchecked copy (see onCopy): decide again on the rows just read. Not with
          // If-Match: the caller's version is the precondition, and the conflict path below repairs the snapshot.
          if (lostOnCopy && first.options.expectedVersion === undefined) continue;
          if (!first.options.retryOnConflict || first.options.expectedVersion !== undefined || attempt >= MAX_CONFLICT_RETRIES) {
            // The row we lost to may be one the snapshot lacks (its writer's snapshot write failed in
            // a store outage): repair the snapshot, or the caller's retry decides on the same stale
            // version and loses again, for as long as nobody reads the claim.
            await this.catchUp(current);
            const precondition = first.options.expectedVersion !== undefined;
            const base = latest?.version ?? 0;
            throw new VersionConflictError(claimId, first.options.expectedVersion ?? base, latestOf(current)?.version ?? base + 1, precondition);
          }
          // A little jitter so that writers which lost together do not collide again in lockstep.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 20)));
          continue;
        }
      }
      const claim = await this.advanceAfterCommit(current, rows.length);
      if (refusal) throw refusal;
      return result(claim);
    }
  }

  /** Before answering a refusal: steps this call committed in an earlier round reach the snapshot. */
  private async repairAfter(committed: ClaimTransition[], current: Current): Promise<void> {
    if (committed.length > 0) await this.catchUp(current);
  }

  /** The claim as it stands: the snapshot, caught up with any newer log row. */
  async get(claimId: string): Promise<ClaimView | null> {
    noteClaim(claimId);
    const current = await this.load(claimId);
    if (!current.snapshot && current.tail.length === 0) return null;
    return toView(await this.catchUp(current));
  }

  /** A page of claims and the count of all that match the filter (the page's position aside). */
  async list(filter: ClaimFilter, page: ClaimPage, sort: ClaimSort = { field: 'createdAt', direction: 'desc' }): Promise<{ items: ClaimView[]; total: number }> {
    const query = claimListQuery(filter);
    const pageQuery = page.after ? { $and: [query, claimListAfter(sort, page.after)] } : query;
    this.stats.roundTrips += 2;
    const [items, total] = await Promise.all([
      this.claims
        .find(pageQuery, VIEW_PROJECTION)
        .sort({ [sort.field]: sort.direction === 'desc' ? -1 : 1, _id: 1 })
        .skip(page.after ? 0 : (page.offset ?? 0))
        .limit(page.limit)
        .lean<ClaimView[]>()
        .exec(),
      this.claims.countDocuments(query).exec(),
    ]);
    return { items, total };
  }

  /** The reviewers' queue: claims waiting for a reviewer, oldest first (an equality filter the store pushes down). */
  async reviewQueue(page: { limit: number; offset: number }, statuses: ClaimStatus[] = []): Promise<{ items: ClaimView[]; total: number }> {
    const query: Record<string, unknown> = statuses.length ? { ...REVIEW_QUEUE_QUERY, status: op({ $in: statuses.map(String) }) } : REVIEW_QUEUE_QUERY;
    this.stats.roundTrips += 2;
    const [items, total] = await Promise.all([
      this.claims.find(query, VIEW_PROJECTION).sort({ reviewQueuedAt: 1, _id: 1 }).skip(page.offset).limit(page.limit).lean<ClaimView[]>().exec(),
      this.claims.countDocuments(query).exec(),
    ]);
    return { items, total };
  }

  /** The snapshot and every log row newer than it. */
  private async load(claimId: string): Promise<Current> {
    const generation = this.generation;
    const snapshot = await this.readSnapshot(claimId);
    return { snapshot, tail: await this.readTail(claimId, snapshot?.version ?? 0), generation };
  }

  private async readSnapshot(claimId: string): Promise<ClaimRecord | null> {
    this.stats.roundTrips++;
    return this.claims.findById(claimId).lean<ClaimRecord>().exec();
  }

  /** Log rows after `version`, in order (transitionsAfter), each lookup a round trip. */
  private async readTail(claimId: string, version: number): Promise<ClaimTransition[]> {
    return transitionsAfter(this.transitions, claimId, version, () => this.stats.roundTrips++);
  }

  /**
   * One round trip; false when a row's key is taken (a conflict). A single row goes in with other
   * writers' rows when they coincide (insertUnlessExists); several rows of one commit go as one
   * ordered insert, which stops at its first duplicate key, so what got in is a prefix of `rows`.
   */
  private async insert(rows: ClaimTransition[]): Promise<boolean> {
    let unsureSince: number | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.insertOnce(rows);
      } catch (error) {
        // The rows may be in: send the same rows again (same keys, same event ids) until the
        // store answers. In, they come back as a duplicate key, which commit() recognises as its
        // own rows (sameTransition); so an applied transition is never answered as failed. Only
        // for an HTTP request: a record's handler and a poller retry the command under its id
        // themselves, and must not be held (a Kafka handler past its group's session timeout).
        // An insert the store never got (or refused) is the caller's failure at once.
        if (unsureSince === undefined && isTransient(error) && mayHaveBeenApplied(error) && requestContext()?.origin === 'http') unsureSince = Date.now();
        if (unsureSince === undefined || !isTransient(error) || Date.now() - unsureSince >= UNSURE_INSERT_RETRY_MS) throw error;
        this.stats.resentInserts++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)));
      }
    }
  }

  private async insertOnce(rows: ClaimTransition[]): Promise<boolean> {
    this.stats.roundTrips++;
    if (rows.length === 1) return insertUnlessExists(this.transitions as never, storedTransition(rows[0]) as never);
    try {
      await this.transitions.collection.insertMany(rows.map(storedTransition) as never[], { ordered: true });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      // The driver's own error, not the bulk wrapper that hides its name and labels (an outage must read as one).
      throw unwrapped(error);
    }
  }

  /**
   * After the compare-and-set: the transition is committed (it is in the log and will be
   * relayed), so a failure to advance the snapshot is not the caller's failure (see catchUp).
   */
  private async advanceAfterCommit(current: Current, transitions: number): Promise<ClaimView> {
    this.stats.transitions += transitions;
    this.onCommitted();
    return toView(await this.catchUp(current));
  }

  /**
   * Brings the snapshot up to the log's newest row. Best effort: the log is the truth, so a
   * failed write is logged and the next reader or writer of the claim repairs it.
   */
  private async catchUp(current: Current): Promise<ClaimRecord> {
    const merged = mergeSnapshot(current, this.calendar);
    if (current.tail.length > 0) {
      await this.advanceSnapshot(current.snapshot, merged).catch((error: Error) =>
        this.logger.warn(`claim ${merged._id}: snapshot left at an older version (${error.name}); it is repaired from the log on the next read`),
      );
    }
    // What the log says, whether or not the snapshot write went through.
    if (merged) this.remember(merged, current.generation);
    return merged;
  }

  /** Copies in and out: what a caller does with a claim it was given never changes the remembered one. */
  private remember(claim: ClaimRecord, generation: number): void {
    if (generation !== this.generation) return;
    // Calls on one claim may finish out of order: an older result never replaces a newer copy.
    if ((this.remembered.get(claim._id)?.version ?? 0) > claim.version) return;
    this.remembered.delete(claim._id);
    this.remembered.set(claim._id, structuredClone(claim));
    if (this.remembered.size > REMEMBERED_CLAIMS) this.remembered.delete(this.remembered.keys().next().value!);
  }

  private recall(claimId: string): ClaimRecord | undefined {
    const claim = this.remembered.get(claimId);
    return claim && structuredClone(claim);
  }

  /**
   * Writes `next` over `base`; when another writer moved the snapshot since `base` was read (the
   * write matched nothing), catches up from what that writer left: without this, of two writers
   * overlapping on one claim the later one's write is dropped and the snapshot (what lists and the
   * review queue read) stays a version behind until someone reads the claim. Extra round trips
   * only under contention.
   */
  private async advanceSnapshot(base: ClaimRecord | null, next: ClaimRecord): Promise<void> {
    for (let round = 0; round < SNAPSHOT_CATCH_UP_ROUNDS; round++) {
      if (await this.writeSnapshot(base, next)) return;
      const latest = await this.load(next._id);
      if (latest.tail.length === 0) {
        // The snapshot is at the log's newest row. Below what this writer built on, the store has
        // lost writes it had acknowledged (a restore, a failover to a replica that lacked them):
        // every remembered copy may be ahead of the log now, so none is used again.
        if ((latest.snapshot?.version ?? 0) < next.version) {
          this.logger.error(`claim ${next._id}: the store's log ends at version ${latest.snapshot?.version ?? 0}, below version ${next.version} this ledger wrote or read; it forgets every claim it remembered (the store lost acknowledged writes?)`);
          this.remembered.clear();
          this.generation++;
        }
        return;
      }
      base = latest.snapshot;
      next = mergeSnapshot(latest, this.calendar);
    }
  }

  /**
   * Writes the snapshot `next` over `base` (the version it was built on). Filtered on that
   * version, so a writer whose base is no longer current changes nothing; every snapshot any
   * writer writes is a state the log committed, so a lost update here only leaves the snapshot
   * behind, and readers catch up from the log.
   */
  private async writeSnapshot(base: ClaimRecord | null, next: ClaimRecord): Promise<boolean> {
    this.stats.roundTrips++;
    if (!base) return insertUnlessExists(this.claims, next);
    const added = next.history.slice(base.history.length);
    const addedCommandIds = next.appliedCommandIds.slice(base.appliedCommandIds.length);
    const { matchedCount } = await this.claims
      .updateOne(
        { _id: base._id, version: base.version },
        {
          $set: {
            version: next.version,
            state: next.state,
            status: next.status,
            customerTenantId: next.customerTenantId,
            customerName: next.customerName,
            updatedAt: next.updatedAt,
            reviewQueued: next.reviewQueued,
            reviewQueuedAt: next.reviewQueuedAt,
          },
          $push: { history: { $each: added }, appliedCommandIds: { $each: addedCommandIds } },
        },
      )
      .exec();
    return matchedCount > 0;
  }

  private transition(
    outcome: { state: ClaimState; events: Array<{ type: string; data: Record<string, unknown> }>; history: HistoryRecord | Omit<HistoryRecord, 'version' | 'eventIds'> },
    version: number,
    options: LedgerCommandOptions,
  ): ClaimTransition {
    const at = this.clock.now();
    const time = at.toISOString();
    const claimId = outcome.state.id;
    const correlationId = options.correlationId ?? requestContext()?.correlationId ?? options.commandId ?? randomUUID();
    // Stored with the row (in each event), so the relay, polling later, publishes into this trace.
    const traceparent = currentTraceparent();
    const actor = { kind: outcome.history.actor.kind, id: outcome.history.actor.id };
    const envelope = (id: string, type: string, data: unknown): CloudEvent => ({
      id,
      type,
      source: this.source,
      subject: claimId,
      time,
      data,
      claimVersion: version,
      correlationId,
      ...((options.causationId ?? options.commandId) ? { causationId: options.causationId ?? options.commandId } : {}),
      ...(traceparent ? { traceparent } : {}),
    });
    const outbox: OutboxEntry[] = outcome.events.map((event) => ({
      topic: TOPICS.claimEvents,
      // Without `claim`: the row holds the state once and publishedEvent puts it back (see there).
      event: envelope(randomUUID(), event.type, {
        ...event.data,
        claimId,
        status: outcome.state.status,
        actor,
      } satisfies Omit<LifecycleEventData, 'claim'>),
    }));
    for (const extra of options.alsoPublish?.(outcome.state, version) ?? []) {
      outbox.push({ topic: extra.topic, event: envelope(extra.id, extra.type, extra.data) });
    }
    const history: HistoryRecord = { ...outcome.history, version, eventIds: outbox.map((entry) => entry.event.id) };
    return {
      _id: transitionId(claimId, version),
      claimId,
      version,
      at,
      ...(options.commandId ? { commandId: options.commandId } : {}),
      state: outcome.state,
      history,
      outbox,
      pending: true,
      relayBucket: relayBucketOf(claimId),
    };
  }
}

/** The claim a request or record is about, for its log lines: the first one it touches. */
function noteClaim(claimId: string): void {
  if (!requestContext()?.claimId) amendRequestContext({ claimId });
}

function latestOf(current: Current): { version: number; state: ClaimState } | null {
  const row = current.tail.at(-1);
  if (row) return row;
  return current.snapshot;
}

/** The row in the log is the one this writer planned (not another writer's at the same version). */
function sameTransition(logged: ClaimTransition, planned: ClaimTransition): boolean {
  return logged._id === planned._id && logged.commandId === planned.commandId && logged.history.eventIds.join() === planned.history.eventIds.join() && new Date(logged.at).getTime() === planned.at.getTime();
}

function commandApplied(current: Current, commandId: string): boolean {
  return Boolean(current.snapshot?.appliedCommandIds.includes(commandId) || current.tail.some((row) => row.commandId === commandId));
}

/** The snapshot the log says the claim has: `current.snapshot` advanced by every row of the tail. */
function mergeSnapshot(current: Current, calendar: BusinessCalendar): ClaimRecord {
  const base = current.snapshot;
  const last = current.tail.at(-1);
  if (!last) return base!;
  const state = last.state;
  return {
    _id: state.id,
    version: last.version,
    partnerId: state.partnerId,
    status: state.status,
    customerTenantId: state.customer.tenantId,
    customerName: state.customer.name,
    createdAt: base?.createdAt ?? current.tail[0].at,
    updatedAt: last.at,
    state,
    history: [...(base?.history ?? []), ...current.tail.map((row) => row.history)],
    appliedCommandIds: [...(base?.appliedCommandIds ?? []), ...current.tail.flatMap((row) => (row.commandId ? [row.commandId] : []))],
    ...reviewQueue(state, calendar),
  };
}

/** The review queue's fields: the claims a reviewer's SLA runs on, by when it started (the domain's rule). */
function reviewQueue(state: ClaimState, calendar: BusinessCalendar): { reviewQueued: boolean; reviewQueuedAt: Date | null } {
  const sla = runningReviewSla(state, calendar);
  return sla ? { reviewQueued: true, reviewQueuedAt: sla.since } : { reviewQueued: false, reviewQueuedAt: null };
}

function toView(record: ClaimRecord): ClaimView {
  const { _id, version, partnerId, status, customerTenantId, customerName, createdAt, updatedAt, state, history } = record;
  return { _id, version, partnerId, status, customerTenantId, customerName, createdAt, updatedAt, state, history };
}
