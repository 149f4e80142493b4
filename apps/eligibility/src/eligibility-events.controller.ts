import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent } from '../../../libs/contracts/src/envelope.js';
import { EVENT_TYPES } from '../../../libs/contracts/src/event-types.js';
import { KafkaHandlerErrorsFilter } from '../../../libs/messaging/src/index.js';
import { assertLifecycleEvent } from '../../../libs/platform/src/lifecycle-event.js';
import type { LifecycleEventData } from '../../../libs/persistence/src/claim-ledger/claim-ledger.js';
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
