import { invalidCommand } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { MAX_TEXT, checkText } from '../../validation.js';
import type { CommandDefinition } from '../command-definition.js';

export const comment: CommandDefinition<'comment'> = {
  transitions: [
    {
      action: 'comment',
      from: ['Editing', 'Submitted', 'UnderReview', 'PartnerActionRequired', 'Rejected'],
      to: 'same',
      actors: ['partner', 'upstream', 'reviewer'],
      event: EVENT_TYPES.commented,
    },
  ],

  decide({ command, actor }) {
    const errors: string[] = [];
    checkText(errors, 'text', command.text, MAX_TEXT);
    if (errors.length) throw invalidCommand(errors);
    return {
      patch: {},
      data: { text: command.text, authorKind: actor.kind },
      summary: `Comment by ${actor.kind === 'reviewer' ? 'reviewer' : 'partner'}`,
    };
  },
};
