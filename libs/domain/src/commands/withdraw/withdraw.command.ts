import { invalidCommand } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { PARTNER_REQUEST_SUBREASONS, isOneOf } from '../../reasons.js';
import { checkOptionalText } from '../../validation.js';
import { rejection } from '../shared.js';
import { type CommandDefinition, PARTNER } from '../command-definition.js';

export const withdraw: CommandDefinition<'withdraw'> = {
  transitions: [
    {
      action: 'withdraw',
      from: ['Editing', 'Submitted', 'UnderReview', 'PartnerActionRequired', 'Approved'],
      to: 'Rejected',
      actors: PARTNER,
      event: EVENT_TYPES.rejected,
      when: 'partner-request',
    },
  ],

  decide({ command, nowIso }) {
    const errors: string[] = [];
    if (!isOneOf(PARTNER_REQUEST_SUBREASONS, command.subReason)) {
      errors.push(`subReason must be one of ${PARTNER_REQUEST_SUBREASONS.join(', ')}`);
    }
    checkOptionalText(errors, 'comment', command.comment);
    if (errors.length) throw invalidCommand(errors);
    return rejection('partner-request', nowIso, nowIso, command.comment, command.subReason);
  },
};
