import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type CloudEvent, type LifecycleEventData, assertLifecycleEvent } from '@cpor/contracts';
import { DEFAULT_RETRY_POLICY, OnEvent } from '@cpor/messaging';
import { NOTIFYING_EVENT_TYPES } from './notification-plan.js';
import { NotificationService } from './notification.service.js';

type LifecycleEvent = CloudEvent<LifecycleEventData>;

/** What every email reads from the claim: an event without it is dead-lettered, not retried. */
const NOTIFIED_CLAIM_FIELDS = ['customer.name', 'partnerContact.email', 'customerContact.email', 'products'];

/**
 * Lifecycle events that send email: the types SUBSCRIPTIONS lists for notifications, one handler.
 * It only queues the deliveries durably (the offset is committed after it resolves); a throw is
 * retried by the transport, then dead-lettered. An event without the claim state the emails are
 * made of is dead-lettered at once (no retry can help, and skipping it would lose its emails
 * without a trace).
 */
@Controller()
export class NotificationsController {
  constructor(private readonly notifications: NotificationService) {}

  @OnEvent(NOTIFYING_EVENT_TYPES, { retry: DEFAULT_RETRY_POLICY })
  async notify(@Payload() event: LifecycleEvent): Promise<void> {
    assertLifecycleEvent(event, NOTIFIED_CLAIM_FIELDS);
    await this.notifications.record(event);
  }
}
