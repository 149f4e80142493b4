import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent } from '../../../libs/contracts/src/envelope.js';
import { EVENT_TYPES } from '../../../libs/contracts/src/event-types.js';
import type { LifecycleEventData } from '../../../libs/persistence/src/claim-ledger/claim-ledger.js';
import { NotificationService } from './notification.service.js';

type LifecycleEvent = CloudEvent<LifecycleEventData>;

/**
 * Lifecycle events that send email. Each handler only queues the deliveries durably (the offset is
 * committed after it resolves); a throw is retried by the transport, then dead-lettered.
 * Keep this list in step with NOTIFYING_EVENT_TYPES in notification-plan.ts.
 */
@Controller()
export class NotificationsController {
  constructor(private readonly notifications: NotificationService) {}

  @EventPattern(EVENT_TYPES.submitted)
  async submitted(@Payload() event: LifecycleEvent): Promise<void> {
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.reviewStarted)
  async reviewStarted(@Payload() event: LifecycleEvent): Promise<void> {
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.infoRequested)
  async infoRequested(@Payload() event: LifecycleEvent): Promise<void> {
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.rejected)
  async rejected(@Payload() event: LifecycleEvent): Promise<void> {
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.disputed)
  async disputed(@Payload() event: LifecycleEvent): Promise<void> {
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.disputeDecided)
  async disputeDecided(@Payload() event: LifecycleEvent): Promise<void> {
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.commented)
  async commented(@Payload() event: LifecycleEvent): Promise<void> {
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.slaBreached)
  async slaBreached(@Payload() event: LifecycleEvent): Promise<void> {
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.consentRequested)
  async consentRequested(@Payload() event: LifecycleEvent): Promise<void> {
    await this.notifications.record(event);
  }

  @EventPattern(EVENT_TYPES.consentPeriodElapsed)
  async consentPeriodElapsed(@Payload() event: LifecycleEvent): Promise<void> {
    await this.notifications.record(event);
  }
}
