import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type CloudEvent, assertLifecycleEvent, type LifecycleEventData, EVENT_TYPES } from '@cpor/contracts';
import { DEFAULT_RETRY_POLICY, OnEvent } from '@cpor/messaging';
import { EligibilityService } from './eligibility.service.js';

/**
 * Lifecycle events eligibility reacts to. Decode and delegate; the offset commits when this resolves.
 */
@Controller()
export class EligibilityEventsController {
  constructor(private readonly eligibility: EligibilityService) {}

  @OnEvent(EVENT_TYPES.consentPeriodElapsed, { retry: DEFAULT_RETRY_POLICY })
  async consentPeriodElapsed(@Payload() event: CloudEvent<LifecycleEventData>): Promise<void> {
    assertLifecycleEvent(event, ['products']);
    await this.eligibility.onConsentPeriodElapsed(event);
  }
}
