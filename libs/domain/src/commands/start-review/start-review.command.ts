import { EVENT_TYPES } from '../../event-types.js';
import { dueAt } from '../../policy.js';
import { type CommandDefinition, REVIEWER } from '../command-definition.js';

export const startReview: CommandDefinition<'startReview'> = {
  transitions: [
    { action: 'startReview', from: ['Submitted'], to: 'UnderReview', actors: REVIEWER, event: EVENT_TYPES.reviewStarted },
  ],

  decide({ now, nowIso, policy, calendar }) {
    return {
      patch: { reviewStartedAt: nowIso },
      to: 'UnderReview',
      data: { decisionDueAt: dueAt('decision', now, policy, calendar).toISOString() },
      summary: 'Review started',
    };
  },
};
