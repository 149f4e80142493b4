import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type CloudEvent, assertLifecycleEvent, type LifecycleEventData, EVENT_TYPES } from '@cpor/contracts';
import { DEFAULT_RETRY_POLICY, OnEvent } from '@cpor/messaging';
import { ConsentService } from './consent.service.js';

/**
 * Lifecycle events consent reacts to. Decode and delegate; the offset commits when this resolves.
 */
@Controller()
export class ConsentEventsController {
  constructor(private readonly consent: ConsentService) {}

  @OnEvent(EVENT_TYPES.approved, { retry: DEFAULT_RETRY_POLICY })
  async approved(@Payload() event: CloudEvent<LifecycleEventData>): Promise<void> {
    assertLifecycleEvent(event);
    await this.consent.onApproved(event);
  }
}
