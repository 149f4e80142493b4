import { Logger } from '@nestjs/common';
import type { CloudEvent, LifecycleEventData } from '@cpor/contracts';
import type { Clock } from '@cpor/kernel';
import type { DeliveryQueue } from '@cpor/persistence';
import { planNotifications, type PlanContext } from './notification-plan.js';
import { notificationMetrics } from './notifications.metrics.js';
import type { TemplateRenderer } from './templates/template-renderer.js';

export interface PlanResult {
  /** Deliveries recorded by this call. */
  created: number;
  /** Deliveries that already existed (a replayed or duplicated event). */
  existing: number;
}

/**
 * Turns one lifecycle event into pending deliveries. When `record` resolves, every email the
 * event calls for is durably queued, so the consumer may commit the offset; sending is the
 * sender's job, not the handler's.
 */
export class NotificationService {
  private readonly logger = new Logger(NotificationService.name);

  constructor(
    private readonly deliveries: DeliveryQueue,
    private readonly renderer: TemplateRenderer,
    private readonly plan: PlanContext,
    private readonly clock: Clock,
    /** Called after new deliveries are recorded (the sender looks at once). */
    private readonly onRecorded: () => void = () => undefined,
  ) {}

  async record(event: CloudEvent<LifecycleEventData>): Promise<PlanResult> {
    const messages = planNotifications(event, this.plan);
    const result: PlanResult = { created: 0, existing: 0 };
    const claimId = event.data?.claimId ?? event.subject;
    for (const message of messages) {
      // Rendered now, so a broken template fails the event (retried, then dead-lettered) rather than the send.
      const rendered = this.renderer.render(message.template, message.variables);
      const outcome = await this.deliveries.insertPending(
        {
          eventId: event.id,
          eventType: event.type,
          claimId,
          template: message.template,
          role: message.recipient.role,
          to: message.recipient.email,
          toName: message.recipient.name,
          ...rendered,
        },
        this.clock.now(),
      );
      if (outcome.created) {
        result.created++;
        notificationMetrics.planned.inc({ template: message.template });
        this.logger.log(`event ${event.id}: delivery ${outcome.ref} (template ${message.template}, ${message.recipient.role}) queued`);
      } else {
        result.existing++;
        this.logger.debug(`event ${event.id}: delivery ${outcome.ref} (template ${message.template}) already queued`);
      }
    }
    if (result.created > 0) this.onRecorded();
    return result;
  }
}
