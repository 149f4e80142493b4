import type { Dispute } from '../../claim.js';
import { assertDisputeCanOpen } from '../../disputes.js';
import { invalidCommand } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { dueAt } from '../../policy.js';
import { FIELD_LIMITS, checkOptionalText, checkStringList, checkText } from '../../validation.js';
import { type CommandDefinition, PARTNER } from '../command-definition.js';

export const dispute: CommandDefinition<'dispute'> = {
  transitions: [
    { action: 'dispute', from: ['Rejected'], to: 'same', actors: PARTNER, event: EVENT_TYPES.disputed, when: 'within the dispute window' },
  ],

  decide({ claim, command, now, nowIso, policy, calendar }) {
    assertDisputeCanOpen(claim, policy, now, 'dispute');
    const errors: string[] = [];
    checkText(errors, 'disputeId', command.disputeId, FIELD_LIMITS.id);
    if (claim.disputes.some((d) => d.id === command.disputeId)) errors.push(`disputeId ${String(command.disputeId)} is already used`);
    checkOptionalText(errors, 'justification', command.justification);
    const ids = command.poeDocumentIds ?? [];
    checkStringList(errors, 'poeDocumentIds', ids);
    if (Array.isArray(ids)) {
      for (const id of ids) if (typeof id === 'string' && !claim.poe.some((d) => d.documentId === id)) errors.push(`poeDocumentIds: ${id} is not a PoE document of this claim (add it first)`);
    }
    const hasJustification = typeof command.justification === 'string' && command.justification.trim() !== '';
    if (!hasJustification && (!Array.isArray(ids) || ids.length === 0)) {
      errors.push('a dispute needs a business justification and/or updated PoE (poeDocumentIds)');
    }
    if (errors.length) throw invalidCommand(errors);

    const dispute: Dispute = {
      id: command.disputeId,
      openedAt: nowIso,
      justification: command.justification,
      poeDocumentIds: [...ids],
      dueAt: dueAt('dispute-answer', now, policy, calendar).toISOString(),
    };
    return {
      patch: { disputes: [...claim.disputes, dispute] },
      data: { disputeId: dispute.id, justification: dispute.justification, poeDocumentIds: dispute.poeDocumentIds, dueAt: dispute.dueAt },
      summary: 'Rejection disputed',
    };
  },
};
