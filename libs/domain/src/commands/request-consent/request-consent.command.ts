import { invalidState } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { type CommandDefinition, SYSTEM } from '../command-definition.js';

export const requestConsent: CommandDefinition<'requestConsent'> = {
  transitions: [
    { action: 'requestConsent', from: ['Approved'], to: 'same', actors: SYSTEM, event: EVENT_TYPES.consentRequested },
  ],

  decide({ claim, now, nowIso, policy, calendar }) {
    if (claim.consent) {
      throw invalidState('Customer consent was already requested for this approval', {
        currentStatus: claim.status,
        allowedStates: ['Approved'],
        action: 'requestConsent',
        condition: 'consent-already-requested',
      });
    }
    const deadline = calendar.addCalendarDays(now, policy.consentWindowDays).toISOString();
    return {
      patch: { consent: { requestedAt: nowIso, deadline } },
      data: { deadline },
      summary: `Customer consent requested; the customer may decline until ${deadline}`,
    };
  },
};
