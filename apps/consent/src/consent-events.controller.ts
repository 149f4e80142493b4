import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type CloudEvent, assertLifecycleEvent, type LifecycleEventData, EVENT_TYPES } from '@cpor/contracts';
import { KafkaHandlerErrorsFilter } from '@cpor/messaging';
import { ConsentService } from './consent.service.js';

/**
 * Lifecycle events consent reacts to. Decode and delegate; the offset commits when this resolves.
 * The filter lets the handler's own error (not Nest's generic one) reach the retry/DLQ headers.
 */
@UseFilters(new KafkaHandlerErrorsFilter())
@Controller()
export class ConsentEventsController {
  constructor(private readonly consent: ConsentService) {}

  @EventPattern(EVENT_TYPES.approved)
  async approved(@Payload() event: CloudEvent<LifecycleEventData>): Promise<void> {
    assertLifecycleEvent(event);
    await this.consent.onApproved(event);
  }
}
