import { Module } from '@nestjs/common';
import { getEligibilityRules } from '@cpor/domain';
import { ServiceCoreModule } from '@cpor/platform';
import { EligibilityEventsController } from './eligibility-events.controller.js';
import { ELIGIBILITY_RULES, EligibilityService } from './eligibility.service.js';
import { loadEligibilityRulesVersion } from './eligibility.settings.js';

@Module({
  imports: [ServiceCoreModule.forService('eligibility')],
  controllers: [EligibilityEventsController],
  providers: [
    // The rules version in force (ELIGIBILITY_RULES_VERSION, eligibility.settings.ts): an unknown one stops the service at start.
    { provide: ELIGIBILITY_RULES, useFactory: () => getEligibilityRules(loadEligibilityRulesVersion()) },
    EligibilityService,
  ],
})
export class EligibilityModule {}
