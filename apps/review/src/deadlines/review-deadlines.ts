import { Controller, Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type StoreConnection, ClaimLedger, DeadlinePoller, DeadlineStore, deadlineModel, type Deadline } from '@cpor/persistence';
import { type CloudEvent, type LifecycleEventData, assertLifecycleEvent, TOPICS, typesOn } from '@cpor/contracts';
import { BusinessCalendar, DomainError, type Actor, type ClaimCommand, type ClaimState } from '@cpor/domain';
import { DEFAULT_RETRY_POLICY, OnEvent } from '@cpor/messaging';
import { MONGO_CONNECTION, SERVICE_CONFIG, ServiceMetrics, type ServiceConfig } from '@cpor/platform';
import { CLOCK, type Clock } from '@cpor/kernel';
import { planReviewDeadlines, REVIEW_DEADLINES, type DeadlinePlan, type ReviewDeadlineKind } from './review-deadline-plan.js';

const SYSTEM: Actor = { kind: 'system', id: 'review-deadlines' };

/** The command a due review deadline fires; it carries the epoch so a stale timer is refused. */
function commandFor(deadline: Deadline): ClaimCommand {
  const kind = deadline.kind as ReviewDeadlineKind;
  if (kind === 'partner-response') return { type: 'expirePartnerResponse', statusEpoch: deadline.epoch };
  return { type: 'recordSlaBreach', sla: kind, statusEpoch: deadline.epoch };
}

/** Keeps the review deadlines in step with the lifecycle and fires them through the ledger. */
@Injectable()
export class ReviewDeadlines implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReviewDeadlines.name);
  readonly store: DeadlineStore;
  private readonly poller: DeadlinePoller;

  constructor(
    @Inject(MONGO_CONNECTION) connection: StoreConnection,
    @Inject(CLOCK) clock: Clock,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    private readonly calendar: BusinessCalendar,
    private readonly ledger: ClaimLedger,
    metrics: ServiceMetrics,
  ) {
    this.store = new DeadlineStore(deadlineModel(connection), 'review', clock);
    this.poller = new DeadlinePoller(this.store, (deadline) => this.fire(deadline), { intervalMs: config.deadlinePollIntervalMs });
    metrics.watchDeadlines(this.store, REVIEW_DEADLINES);
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  async apply(type: string, claim: LifecycleEventData['claim']): Promise<void> {
    await applyDeadlinePlan(this.store, planReviewDeadlines(type, claim, this.calendar), claim);
  }

  private async fire(deadline: Deadline): Promise<void> {
    try {
      await this.ledger.execute(deadline.claimId, commandFor(deadline), SYSTEM, { commandId: deadline._id, retryOnConflict: true });
    } catch (error) {
      // The claim moved on (a stale timer): the deadline is moot, not failed.
      if (!(error instanceof DomainError)) throw error;
      this.logger.log(`deadline ${deadline.kind} of claim ${deadline.claimId} is moot (${error.code})`);
    }
  }
}

/**
 * Writes an event's deadline plan for the claim as it stood after the event. By kind, it cancels
 * only deadlines of earlier status epochs: the event's own epoch may hold timers started after
 * it (a dispute opened later), which a replay of the event must leave running.
 */
export async function applyDeadlinePlan(store: DeadlineStore, plan: DeadlinePlan, claim: Pick<ClaimState, 'id' | 'statusEpoch'>): Promise<void> {
  if (plan.cancel.length > 0) await store.cancel(claim.id, plan.cancel, claim.statusEpoch - 1);
  if (plan.ended.length > 0) await store.cancelExact(claim.id, plan.ended.map((deadline) => ({ ...deadline, epoch: claim.statusEpoch })));
  for (const deadline of plan.schedule) {
    await store.schedule({ kind: deadline.kind, claimId: claim.id, epoch: claim.statusEpoch, dueAt: deadline.dueAt, ref: deadline.ref });
  }
}

/** Lifecycle events that start or end review deadlines. Idempotent: schedule and cancel are. */
@Controller()
export class ReviewDeadlineEvents {
  constructor(private readonly deadlines: ReviewDeadlines) {}

  @OnEvent(typesOn('review', TOPICS.claimEvents), { retry: DEFAULT_RETRY_POLICY })
  async onLifecycleEvent(@Payload() event: CloudEvent<LifecycleEventData>) {
    assertLifecycleEvent(event, ['statusChangedAt']);
    await this.deadlines.apply(event.type, event.data.claim);
  }
}
