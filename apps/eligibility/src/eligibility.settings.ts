import { DEFAULT_ELIGIBILITY_RULES_VERSION, ELIGIBILITY_RULES } from '@cpor/domain';
import { configSchema, readEnv, setting, type Environment } from '@cpor/kernel';

/** The eligibility service's own variable: which rules are in force. */
export const eligibilitySettingsSchema = configSchema({
  ELIGIBILITY_RULES_VERSION: setting.oneOf(Object.keys(ELIGIBILITY_RULES) as [string, ...string[]], {
    description: 'the eligibility rules in force (libs/domain/src/eligibility)',
    default: DEFAULT_ELIGIBILITY_RULES_VERSION,
  }),
});

export function loadEligibilityRulesVersion(env: Environment = process.env): string {
  return readEnv(eligibilitySettingsSchema, env).ELIGIBILITY_RULES_VERSION;
}
