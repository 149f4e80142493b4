// Eligibility rules are data, one JSON file per version; eligibility.ts validates every one on load.
import rules202006 from './rules.2020-06.json' with { type: 'json' };

export const RAW_ELIGIBILITY_RULES: readonly unknown[] = [rules202006];
