import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent } from '../../../libs/contracts/src/envelope.js';
import { EVENT_TYPES } from '../../../libs/contracts/src/event-types.js';
import { KafkaHandlerErrorsFilter, NonRetryableError } from '../../../libs/messaging/src/index.js';
import type { LifecycleEventData } from '../../../libs/persistence/src/claim-ledger/claim-ledger.js';
import { NotificationService } from './notification.service.js';

type LifecycleEvent = CloudEvent<LifecycleEventData>;

/**
 * Lifecycle events that send email. Each handler only queues the deliveries durably (the offset is
 * committed after it resolves); a throw is retried by the transport, then dead-lettered. An event
 * without the claim state the emails are made of is dead-lettered at once (no retry can help, and
 * skipping it would lose its emails without a trace).
 * Keep this list in step with NOTIFYING_EVENT_TYPES in notification-plan.ts.
 */
@UseFilters(new KafkaHandlerErrorsFilter())
@Controller()
export class NotificationsController {
  constructor(private readonly notifications: NotificationService) {}

  @EventPattern(EVENT_TYPES.submitted)
  async submitted(@Payload() event: LifecycleEvent): Promise<void> {
    assertNotifiable(event);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.reviewStarted)
  async reviewStarted(@Payload() event: LifecycleEvent): Promise<void> {
    assertNotifiable(event);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.infoRequested)
  async infoRequested(@Payload() event: LifecycleEvent): Promise<void> {
    assertNotifiable(event);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.rejected)
  async rejected(@Payload() event: LifecycleEvent): Promise<void> {
    assertNotifiable(event);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.disputed)
  async disputed(@Payload() event: LifecycleEvent): Promise<void> {
    assertNotifiable(event);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.disputeDecided)
  async disputeDecided(@Payload() event: LifecycleEvent): Promise<void> {
    assertNotifiable(event);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.commented)
  async commented(@Payload() event: LifecycleEvent): Promise<void> {
    assertNotifiable(event);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.slaBreached)
  async slaBreached(@Payload() event: LifecycleEvent): Promise<void> {
    assertNotifiable(event);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.consentRequested)
  async consentRequested(@Payload() event: LifecycleEvent): Promise<void> {
    assertNotifiable(event);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.consentPeriodElapsed)
  async consentPeriodElapsed(@Payload() event: LifecycleEvent): Promise<void> {
    assertNotifiable(event);
    await this.notifications.record(event);
  }
}

/**
 * The claim fields every email needs (names, contacts, products). Lifecycle events from the claim
 * ledger always carry them; anything else is a poison record for ops to inspect in the DLQ.
 */
export function assertNotifiable(event: LifecycleEvent): void {
  const data = event?.data as Partial<LifecycleEventData> | undefined;
  const claim = data?.claim as Partial<LifecycleEventData['claim']> | undefined;
  const problems = [
    typeof data?.claimId === 'string' ? '' : 'claimId',
    typeof claim?.id === 'string' ? '' : 'claim.id',
    typeof claim?.customer?.name === 'string' ? '' : 'claim.customer',
    typeof claim?.partnerContact?.email === 'string' ? '' : 'claim.partnerContact',
    typeof claim?.customerContact?.email === 'string' ? '' : 'claim.customerContact',
    Array.isArray(claim?.products) ? '' : 'claim.products',
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new NonRetryableError(`event ${event?.id} (${event?.type}) has no usable claim state (missing ${problems.join(', ')})`);
  }
}
