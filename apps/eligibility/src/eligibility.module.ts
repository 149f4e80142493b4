import { Module } from '@nestjs/common';
import { getEligibilityRules } from '@cpor/domain';
import { ServiceCoreModule } from '@cpor/platform';
import { EligibilityEventsController } from './eligibility-events.controller.js';
import { ELIGIBILITY_RULES, EligibilityService } from './eligibility.service.js';

@Module({
  imports: [ServiceCoreModule.forService('eligibility')],
  controllers: [EligibilityEventsController],
  providers: [
    // The rules version in force; ServiceConfig has no field for it, so it is read here. Unknown version = fail at start.
    { provide: ELIGIBILITY_RULES, useFactory: () => getEligibilityRules(process.env.ELIGIBILITY_RULES_VERSION || undefined) },
    EligibilityService,
  ],
})
export class EligibilityModule {}
