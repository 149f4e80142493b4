import { TOPICS } from '@cpor/contracts';
import type { ServiceStartOptions } from '@cpor/platform';
import { EligibilityModule } from './eligibility.module.js';
import { eligibilitySettingsSchema } from './eligibility.settings.js';

export const eligibilityService = {
  module: EligibilityModule,
  options: {
    service: 'eligibility',
    title: 'CPOR eligibility',
    description: `R13: incentive eligibility (OSU/OSA rules as data) after the consent window; hands each assessment to downstream on ${TOPICS.claimEligibility}.`,
    configuration: [eligibilitySettingsSchema],
  } satisfies ServiceStartOptions,
};
