import type { ServiceStartOptions } from '@cpor/platform';
import { ReviewModule } from './review.module.js';

export const reviewService = {
  module: ReviewModule,
  options: {
    service: 'review',
    title: 'CPOR review: PoE reviewer API',
    description: 'PoE reviewers work the queue: start review, request info, approve, reject, decide disputes. Review SLAs and the partner response window run here.',
  } satisfies ServiceStartOptions,
};
