import { Inject, Injectable, Logger } from '@nestjs/common';
import { type CloudEvent, TOPICS, type LifecycleEventData, ASSESSMENT_TYPE } from '@cpor/contracts';
import { assessEligibility, assessmentIdFor, DomainError, type Actor, type EligibilityRules } from '@cpor/domain';
import { ClaimLedger } from '@cpor/persistence';
import { CLOCK, type Clock } from '@cpor/kernel';
import { assessmentRecord } from './assessment-record.js';

export const ELIGIBILITY_RULES = Symbol('ELIGIBILITY_RULES');
const SYSTEM: Actor = { kind: 'system', id: 'eligibility' };

/**
 * R13: after the consent window, apply the program rules and hand the claim to downstream.
 * The recorded result (lifecycle event) and the downstream record leave through the claim's
 * outbox in the same write, so neither can exist without the other.
 */
@Injectable()
export class EligibilityService {
  private readonly logger = new Logger(EligibilityService.name);

  constructor(
    private readonly ledger: ClaimLedger,
    @Inject(ELIGIBILITY_RULES) private readonly rules: EligibilityRules,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onConsentPeriodElapsed(event: CloudEvent<LifecycleEventData>): Promise<void> {
    const claim = event.data.claim;
    const assessment = assessEligibility(claim, this.rules, this.clock.now());
    // One id per approval: a replay, a redrive or a second instance all name the same assessment.
    const assessmentId = assessmentIdFor(claim.id, claim.statusEpoch);
    try {
      const result = await this.ledger.execute(
        claim.id,
        { type: 'recordEligibility', assessmentId, eligible: assessment.eligible },
        SYSTEM,
        {
          commandId: event.id,
          correlationId: event.correlationId,
          retryOnConflict: true,
          alsoPublish: (state) => [
            { topic: TOPICS.claimEligibility, id: assessmentId, type: ASSESSMENT_TYPE, data: assessmentRecord(state, assessment, assessmentId) },
          ],
        },
      );
      if (!result.applied) this.logger.log(`claim ${claim.id}: event ${event.id} already assessed; nothing published`);
      else this.logger.log(`claim ${claim.id}: assessment ${assessmentId} eligible=${assessment.eligible} (${assessment.rulesVersion})`);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'invalid-state') {
        // Withdrawn, re-approved or already assessed since: retrying cannot help.
        this.logger.log(`claim ${claim.id}: eligibility not recorded (${error.message})`);
        return;
      }
      throw error;
    }
  }
}
