import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent } from '../../../libs/contracts/src/envelope.js';
import { EVENT_TYPES } from '../../../libs/contracts/src/event-types.js';
import { KafkaHandlerErrorsFilter, NonRetryableError } from '../../../libs/messaging/src/index.js';
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
    const claim = event?.data?.claim;
    // Without the claim no retry can help: dead-letter it at once.
    if (!claim || typeof claim.id !== 'string' || typeof claim.statusEpoch !== 'number' || !Array.isArray(claim.products)) {
      throw new NonRetryableError(`event ${event?.id} (${event?.type}) has no claim state`);
    }
    await this.eligibility.onConsentPeriodElapsed(event);
  }
}
