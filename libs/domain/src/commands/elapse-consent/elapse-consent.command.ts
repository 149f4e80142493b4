import { invalidState } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { type CommandDefinition, SYSTEM } from '../command-definition.js';

export const elapseConsent: CommandDefinition<'elapseConsent'> = {
  transitions: [
    { action: 'elapseConsent', from: ['Approved'], to: 'same', actors: SYSTEM, event: EVENT_TYPES.consentPeriodElapsed },
  ],

  decide({ claim, now, nowIso }) {
    const consent = claim.consent;
    const fail = (message: string, condition: string, extra: Record<string, unknown> = {}) =>
      invalidState(message, { currentStatus: claim.status, allowedStates: ['Approved'], action: 'elapseConsent', condition, ...extra });
    if (!consent) throw fail('Customer consent has not been requested', 'consent-not-requested');
    if (consent.elapsedAt) throw fail('The consent period has already elapsed', 'consent-already-elapsed');
    if (now.getTime() < Date.parse(consent.deadline)) {
      throw fail(`The customer may decline until ${consent.deadline}`, 'consent-window-open', { deadline: consent.deadline });
    }
    return {
      patch: { consent: { ...consent, elapsedAt: nowIso } },
      data: { deadline: consent.deadline },
      summary: 'Consent period elapsed without a decline; sent to eligibility assessment',
    };
  },
};
