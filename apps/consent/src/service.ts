import type { ServiceStartOptions } from '@cpor/platform';
import { ConsentModule } from './consent.module.js';

export const consentService = {
  module: ConsentModule,
  options: {
    service: 'consent',
    title: 'CPOR consent',
    description: 'R7: customer consent after approval: the signed decline link (/v1/consent/{token}) and the 7-day window.',
  } satisfies ServiceStartOptions,
};
