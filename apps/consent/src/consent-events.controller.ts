import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent } from '../../../libs/contracts/src/envelope.js';
import { EVENT_TYPES } from '../../../libs/contracts/src/event-types.js';
import type { LifecycleEventData } from '../../../libs/persistence/src/claim-ledger/claim-ledger.js';
import { ConsentService } from './consent.service.js';

/** Lifecycle events consent reacts to. Decode and delegate; the offset commits when this resolves. */
@Controller()
export class ConsentEventsController {
  constructor(private readonly consent: ConsentService) {}

  @EventPattern(EVENT_TYPES.approved)
  async approved(@Payload() event: CloudEvent<LifecycleEventData>): Promise<void> {
    assertLifecycleEvent(event);
    await this.consent.onApproved(event);
  }
}

/** A lifecycle event without its claim cannot be handled by any retry: fail so it is dead-lettered. */
export function assertLifecycleEvent(event: CloudEvent<LifecycleEventData>): void {
  const data = event?.data;
  if (!data || typeof data.claimId !== 'string' || typeof data.claim?.statusEpoch !== 'number') {
    throw new Error(`event ${event?.id} (${event?.type}) has no claimId/claim state`);
  }
}
