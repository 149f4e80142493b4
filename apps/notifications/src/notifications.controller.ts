import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type CloudEvent, type LifecycleEventData, assertLifecycleEvent, EVENT_TYPES } from '@cpor/contracts';
import { KafkaHandlerErrorsFilter } from '@cpor/messaging';
import { NotificationService } from './notification.service.js';

type LifecycleEvent = CloudEvent<LifecycleEventData>;

/** What every email reads from the claim: an event without it is dead-lettered, not retried. */
const NOTIFIED_CLAIM_FIELDS = ['customer.name', 'partnerContact.email', 'customerContact.email', 'products'];

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
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.reviewStarted)
  async reviewStarted(@Payload() event: LifecycleEvent): Promise<void> {
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.infoRequested)
  async infoRequested(@Payload() event: LifecycleEvent): Promise<void> {
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.rejected)
  async rejected(@Payload() event: LifecycleEvent): Promise<void> {
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.disputed)
  async disputed(@Payload() event: LifecycleEvent): Promise<void> {
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.disputeDecided)
  async disputeDecided(@Payload() event: LifecycleEvent): Promise<void> {
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.commented)
  async commented(@Payload() event: LifecycleEvent): Promise<void> {
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.slaBreached)
  async slaBreached(@Payload() event: LifecycleEvent): Promise<void> {
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.consentRequested)
  async consentRequested(@Payload() event: LifecycleEvent): Promise<void> {
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.consentPeriodElapsed)
  async consentPeriodElapsed(@Payload() event: LifecycleEvent): Promise<void> {
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }
}
