import { DEFAULT_ELIGIBILITY_RULES_VERSION } from '@cpor/domain';
import { loadEligibilityRulesVersion } from './eligibility.settings.js';

describe('ELIGIBILITY_RULES_VERSION', () => {
  it('defaults to the current rules', () => {
    expect(loadEligibilityRulesVersion({})).toBe(DEFAULT_ELIGIBILITY_RULES_VERSION);
    expect(loadEligibilityRulesVersion({ ELIGIBILITY_RULES_VERSION: '' })).toBe(DEFAULT_ELIGIBILITY_RULES_VERSION);
  });

  it('refuses a version that has no rules, naming the ones that exist', () => {
    expect(() => loadEligibilityRulesVersion({ ELIGIBILITY_RULES_VERSION: 'cpor-eligibility-2099' })).toThrow(
      new Error(`Invalid configuration: ELIGIBILITY_RULES_VERSION="cpor-eligibility-2099": expected one of ${DEFAULT_ELIGIBILITY_RULES_VERSION}`),
    );
  });
});
