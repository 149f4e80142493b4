import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type CloudEvent, assertLifecycleEvent, type LifecycleEventData, EVENT_TYPES } from '@cpor/contracts';
import { KafkaHandlerErrorsFilter } from '@cpor/messaging';
import { EligibilityService } from './eligibility.service.js';

/**
 * Lifecycle events eligibility reacts to. Decode and delegate; the offset commits when this resolves.
 * The filter lets the handler's own error (not Nest's generic one) reach the retry/DLQ headers.
 */
@UseFilters(new KafkaHandlerErrorsFilter())
@Controller()
export class EligibilityEventsController {
  constructor(private readonly eligibility: EligibilityService) {}

  @EventPattern(EVENT_TYPES.consentPeriodElapsed)
  async consentPeriodElapsed(@Payload() event: CloudEvent<LifecycleEventData>): Promise<void> {
    assertLifecycleEvent(event, ['products']);
    await this.eligibility.onConsentPeriodElapsed(event);
  }
}
