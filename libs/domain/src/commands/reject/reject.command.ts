import { invalidCommand } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { REVIEWER_REJECTION_REASONS, isOneOf } from '../../reasons.js';
import { MAX_TEXT, checkText } from '../../validation.js';
import { rejection } from '../shared.js';
import { type CommandDefinition, REVIEWER } from '../command-definition.js';

export const reject: CommandDefinition<'reject'> = {
  transitions: [
    { action: 'reject', from: ['UnderReview'], to: 'Rejected', actors: REVIEWER, event: EVENT_TYPES.rejected },
  ],

  decide({ command, now, nowIso, policy, calendar }) {
    const errors: string[] = [];
    if (!isOneOf(REVIEWER_REJECTION_REASONS, command.reason)) {
      errors.push(`reason must be one of ${REVIEWER_REJECTION_REASONS.join(', ')} (the other reasons come from the partner, the customer or the deadline)`);
    }
    // R8: the rejection email says why, so reviewers must say it.
    checkText(errors, 'comment', command.comment, MAX_TEXT);
    if (errors.length) throw invalidCommand(errors);
    return rejection(command.reason, nowIso, calendar.addCalendarDays(now, policy.disputeWindowDays).toISOString(), command.comment);
  },
};
