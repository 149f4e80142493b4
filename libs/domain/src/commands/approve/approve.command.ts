import { invalidCommand } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { checkOptionalText } from '../../validation.js';
import { type CommandDefinition, REVIEWER } from '../command-definition.js';

export const approve: CommandDefinition<'approve'> = {
  transitions: [
    { action: 'approve', from: ['UnderReview'], to: 'Approved', actors: REVIEWER, event: EVENT_TYPES.approved },
  ],

  decide({ command, nowIso }) {
    const errors: string[] = [];
    checkOptionalText(errors, 'comment', command.comment);
    if (errors.length) throw invalidCommand(errors);
    // A new approval (e.g. after an overturned dispute) starts a fresh consent window and assessment.
    return {
      patch: { approvedAt: nowIso, consent: undefined, eligibility: undefined, rejection: undefined },
      to: 'Approved',
      data: { comment: command.comment },
      summary: 'Approved',
    };
  },
};
