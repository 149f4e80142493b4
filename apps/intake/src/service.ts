import type { ServiceStartOptions } from '@cpor/platform';
import { IntakeModule } from './intake.module.js';

export const intakeService = {
  module: IntakeModule,
  options: {
    service: 'intake',
    title: 'CPOR intake: partner claims API',
    description: 'Partners create, edit, submit, comment on, withdraw and dispute their CPOR association claims.',
  } satisfies ServiceStartOptions,
};
