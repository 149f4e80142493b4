import { DomainError, invalidCommand, invalidState } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { checkOptionalText } from '../../validation.js';
import { rejection } from '../shared.js';
import type { CommandDefinition } from '../command-definition.js';

export const declineConsent: CommandDefinition<'declineConsent'> = {
  transitions: [
    { action: 'declineConsent', from: ['Approved'], to: 'Rejected', actors: ['customer'], event: EVENT_TYPES.rejected, when: 'customer-decline' },
  ],

  decide({ claim, command, now, nowIso }) {
    const consent = claim.consent;
    if (!consent) {
      throw invalidState('Customer consent has not been requested', {
        currentStatus: claim.status,
        allowedStates: ['Approved'],
        action: 'declineConsent',
        condition: 'consent-not-requested',
      });
    }
    if (consent.elapsedAt || now.getTime() >= Date.parse(consent.deadline)) {
      throw new DomainError('window-closed', `The customer consent period ended at ${consent.deadline}; the association can no longer be declined here`, {
        action: 'declineConsent',
        deadline: consent.deadline,
      });
    }
    const errors: string[] = [];
    checkOptionalText(errors, 'comment', command.comment);
    if (errors.length) throw invalidCommand(errors);
    const change = rejection('customer-decline', nowIso, nowIso, command.comment);
    return { ...change, patch: { ...change.patch, consent: { ...consent, declinedAt: nowIso } } };
  },
};
