import { invalidCommand } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { dueAt } from '../../policy.js';
import { INFO_REQUEST_REASONS, isOneOf, type InfoRequestReason, shortReasonLabel } from '../../reasons.js';
import { MAX_TEXT, checkText } from '../../validation.js';
import { type CommandDefinition, REVIEWER } from '../command-definition.js';

export const requestInfo: CommandDefinition<'requestInfo'> = {
  transitions: [
    { action: 'requestInfo', from: ['UnderReview'], to: 'PartnerActionRequired', actors: REVIEWER, event: EVENT_TYPES.infoRequested },
  ],

  decide({ command, now, nowIso, policy, calendar }) {
    const errors: string[] = [];
    const reasons = command.reasons as unknown;
    if (!Array.isArray(reasons) || reasons.length === 0) {
      errors.push(`reasons must list at least one of ${INFO_REQUEST_REASONS.join(', ')}`);
    } else {
      reasons.forEach((r, i) => {
        if (!isOneOf(INFO_REQUEST_REASONS, r)) errors.push(`reasons[${i}] must be one of ${INFO_REQUEST_REASONS.join(', ')}`);
      });
      if (new Set(reasons).size !== reasons.length) errors.push('reasons must not repeat a reason');
    }
    checkText(errors, 'comment', command.comment, MAX_TEXT);
    if (errors.length) throw invalidCommand(errors);

    const infoRequest = {
      reasons: [...(reasons as InfoRequestReason[])],
      comment: command.comment,
      requestedAt: nowIso,
      dueAt: dueAt('partner-response', now, policy, calendar).toISOString(),
    };
    return {
      patch: { infoRequest },
      to: 'PartnerActionRequired',
      data: { reasons: infoRequest.reasons, comment: infoRequest.comment, dueAt: infoRequest.dueAt },
      summary: `Information requested: ${infoRequest.reasons.map(shortReasonLabel).join(', ')}`,
    };
  },
};
