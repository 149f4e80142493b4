import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '../../../contracts/src/envelope.js';
import { TOPICS } from '../../../contracts/src/topics.js';
import {
  decide,
  DomainError,
  getPolicy,
  openDispute,
  type Actor,
  type BusinessCalendar,
  type ClaimCommand,
  type ClaimState,
  type ClaimStatus,
} from '../../../domain/src/index.js';
import type { Clock } from '../../../platform/src/clock.js';
import { isDuplicateKeyError, VersionConflictError } from '../errors.js';
import type { ClaimWriteLock } from '../leases.js';
import { op } from '../trusted.js';
import type { ClaimModel, ClaimRecord, HistoryRecord, OutboxEntry } from './claim-record.js';
import { markOutboxPending, outboxPendingModel, type OutboxPendingModel } from './outbox-pending.js';

export interface LedgerCommandOptions {
  /** Id of the request or event that caused this command: a second delivery changes nothing. */
  commandId?: string;
  /** Version the caller read (HTTP If-Match). A mismatch is a VersionConflictError, never an overwrite. */
  expectedVersion?: number;
  /** Event-driven commands re-read and decide again after losing a race; HTTP commands do not. */
  retryOnConflict?: boolean;
  correlationId?: string;
  /** Records for other topics that must leave through the same outbox (e.g. the downstream assessment). */
  alsoPublish?: (state: ClaimState, version: number) => Array<{ topic: string; id: string; type: string; data: unknown }>;
}

export interface LedgerResult {
  /** False when the command id had been applied before (a duplicate or replay). */
  applied: boolean;
  claim: ClaimView;
  events: CloudEvent[];
}

export type ClaimView = Omit<ClaimRecord, 'outbox' | 'appliedCommandIds' | 'outboxPending' | 'reviewQueuedAt'>;

/** Payload of every lifecycle event: the event's own fields plus the claim as it stood after it. */
export interface LifecycleEventData {
  claimId: string;
  status: ClaimStatus;
  actor: { kind: string; id: string };
  claim: ClaimState;
  [field: string]: unknown;
}

export interface ClaimFilter {
  partnerId?: string;
  statuses?: ClaimStatus[];
  customer?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

const MAX_CONFLICT_RETRIES = 8;
const VIEW_PROJECTION = { outbox: 0, appliedCommandIds: 0, outboxPending: 0, reviewQueuedAt: 0 } as const;

/**
 * The only way any service changes a claim. Every change is one compare-and-set on
 * {_id, version} that appends the history entry and the resulting events to the embedded
 * outbox in the same document write, so state and events can never disagree.
 */
export class ClaimLedger {
  private readonly pendingMarkers: OutboxPendingModel;

  constructor(
    private readonly claims: ClaimModel,
    private readonly writeLock: ClaimWriteLock,
    private readonly clock: Clock,
    private readonly calendar: BusinessCalendar,
    private readonly source: string,
    private readonly onCommitted: () => void = () => undefined,
  ) {
    this.pendingMarkers = outboxPendingModel(claims.db);
  }

  async create(command: Extract<ClaimCommand, { type: 'create' }>, actor: Actor, options: LedgerCommandOptions = {}): Promise<LedgerResult> {
    const now = this.clock.now();
    const outcome = decide(null, command, actor, { now, policy: getPolicy(command.policyId), calendar: this.calendar });
    const version = 1;
    const { outbox, history } = this.record(outcome, version, options);
    const state = outcome.state;
    const record: ClaimRecord = {
      _id: state.id,
      version,
      partnerId: state.partnerId,
      status: state.status,
      customerTenantId: state.customer.tenantId,
      customerName: state.customer.name,
      createdAt: now,
      updatedAt: now,
      state,
      history: [history],
      outbox,
      outboxPending: true,
      appliedCommandIds: options.commandId ? [options.commandId] : [],
      reviewQueuedAt: reviewQueuedAt(state),
    };
    try {
      await this.writeLock.run(state.id, async () => {
        await this.claims.collection.insertOne(record as never);
        await markOutboxPending(this.pendingMarkers, state.id);
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const existing = await this.claims.findById(state.id).lean<ClaimRecord>().exec();
      if (existing && options.commandId && existing.appliedCommandIds.includes(options.commandId)) {
        return { applied: false, claim: toView(existing), events: [] };
      }
      throw new DomainError('invalid-command', `Claim ${state.id} already exists`, { errors: ['claim id already exists'] });
    }
    this.onCommitted();
    return { applied: true, claim: toView(record), events: outbox.map((entry) => entry.event) };
  }

  async execute(claimId: string, command: ClaimCommand, actor: Actor, options: LedgerCommandOptions = {}): Promise<LedgerResult> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.claims.findById(claimId).lean<ClaimRecord>().exec();
      if (!current) throw new DomainError('not-found', `Claim ${claimId} not found`, {});
      if (options.commandId && current.appliedCommandIds.includes(options.commandId)) {
        return { applied: false, claim: toView(current), events: [] };
      }
      if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
        throw new VersionConflictError(claimId, options.expectedVersion);
      }
      const now = this.clock.now();
      const outcome = decide(current.state, command, actor, { now, policy: getPolicy(current.state.policyId), calendar: this.calendar });
      const version = current.version + 1;
      const { outbox, history } = this.record(outcome, version, options);
      const result = await this.writeLock.run(claimId, async () => {
        const written = await this.claims
          .updateOne(
            { _id: claimId, version: current.version },
            {
              $set: {
                version,
                state: outcome.state,
                status: outcome.state.status,
                updatedAt: now,
                outboxPending: true,
                reviewQueuedAt: reviewQueuedAt(outcome.state),
              },
              $push: {
                history,
                outbox: { $each: outbox },
                ...(options.commandId ? { appliedCommandIds: options.commandId } : {}),
              },
            },
          )
          .exec();
        if (written.matchedCount === 1) await markOutboxPending(this.pendingMarkers, claimId);
        return written;
      });
      if (result.matchedCount === 1) {
        this.onCommitted();
        const claim = toView({ ...current, version, state: outcome.state, status: outcome.state.status, updatedAt: now, history: [...current.history, history] });
        return { applied: true, claim, events: outbox.map((entry) => entry.event) };
      }
      if (!options.retryOnConflict || options.expectedVersion !== undefined || attempt >= MAX_CONFLICT_RETRIES) {
        throw new VersionConflictError(claimId, current.version);
      }
    }
  }

  async get(claimId: string): Promise<ClaimView | null> {
    return this.claims.findById(claimId, VIEW_PROJECTION).lean<ClaimView>().exec();
  }

  async list(filter: ClaimFilter, page: { limit: number; offset: number }, sort: 'newest' | 'oldest' = 'newest'): Promise<{ items: ClaimView[]; total: number }> {
    const query: Record<string, unknown> = {};
    if (filter.partnerId !== undefined) query.partnerId = String(filter.partnerId);
    if (filter.statuses?.length) query.status = op({ $in: filter.statuses.map(String) });
    if (filter.customer !== undefined) query.$or = [{ customerTenantId: String(filter.customer) }, { customerName: String(filter.customer) }];
    if (filter.createdFrom || filter.createdTo) {
      query.createdAt = op({ ...(filter.createdFrom ? { $gte: filter.createdFrom } : {}), ...(filter.createdTo ? { $lte: filter.createdTo } : {}) });
    }
    const [items, total] = await Promise.all([
      this.claims
        .find(query, VIEW_PROJECTION)
        .sort({ createdAt: sort === 'newest' ? -1 : 1, _id: 1 })
        .skip(page.offset)
        .limit(page.limit)
        .lean<ClaimView[]>()
        .exec(),
      this.claims.countDocuments(query).exec(),
    ]);
    return { items, total };
  }

  /** The reviewers' queue: claims waiting for a reviewer, oldest first. */
  async reviewQueue(page: { limit: number; offset: number }): Promise<{ items: ClaimView[]; total: number }> {
    const query = { reviewQueuedAt: op({ $ne: null }) };
    const [items, total] = await Promise.all([
      this.claims.find(query, VIEW_PROJECTION).sort({ reviewQueuedAt: 1, _id: 1 }).skip(page.offset).limit(page.limit).lean<ClaimView[]>().exec(),
      this.claims.countDocuments(query).exec(),
    ]);
    return { items, total };
  }

  private record(
    outcome: { state: ClaimState; events: Array<{ type: string; data: Record<string, unknown> }>; history: HistoryRecord | Omit<HistoryRecord, 'version' | 'eventIds'> },
    version: number,
    options: LedgerCommandOptions,
  ): { outbox: OutboxEntry[]; history: HistoryRecord } {
    const time = this.clock.now().toISOString();
    const claimId = outcome.state.id;
    const correlationId = options.correlationId ?? options.commandId ?? randomUUID();
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
      ...(options.commandId ? { causationId: options.commandId } : {}),
    });
    const outbox: OutboxEntry[] = outcome.events.map((event) => ({
      topic: TOPICS.claimEvents,
      event: envelope(randomUUID(), event.type, {
        ...event.data,
        claimId,
        status: outcome.state.status,
        actor,
        claim: outcome.state,
      } satisfies LifecycleEventData),
    }));
    for (const extra of options.alsoPublish?.(outcome.state, version) ?? []) {
      outbox.push({ topic: extra.topic, event: envelope(extra.id, extra.type, extra.data) });
    }
    const history: HistoryRecord = { ...outcome.history, version, eventIds: outbox.map((entry) => entry.event.id) };
    return { outbox, history };
  }
}

function reviewQueuedAt(state: ClaimState): Date | null {
  if (state.status === 'Submitted' || state.status === 'UnderReview') return new Date(state.statusChangedAt);
  const dispute = state.status === 'Rejected' ? openDispute(state) : undefined;
  return dispute ? new Date(dispute.openedAt) : null;
}

function toView(record: ClaimRecord | ClaimView): ClaimView {
  const { _id, version, partnerId, status, customerTenantId, customerName, createdAt, updatedAt, state, history } = record;
  return { _id, version, partnerId, status, customerTenantId, customerName, createdAt, updatedAt, state, history };
}
