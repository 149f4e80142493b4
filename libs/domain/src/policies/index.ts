// Policies are data: add a JSON file here and list it below; policy.ts validates every one on load.
import cpor202006 from './cpor-2020-06.json' with { type: 'json' };
import cpor202310 from './cpor-2023-10.json' with { type: 'json' };

export const RAW_POLICIES: readonly unknown[] = [cpor202006, cpor202310];
