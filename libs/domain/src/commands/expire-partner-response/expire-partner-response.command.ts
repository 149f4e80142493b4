import { invalidState } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { rejection, assertEpoch } from '../shared.js';
import { type CommandDefinition, SYSTEM } from '../command-definition.js';

export const expirePartnerResponse: CommandDefinition<'expirePartnerResponse'> = {
  transitions: [
    {
      action: 'expirePartnerResponse',
      from: ['PartnerActionRequired'],
      to: 'Rejected',
      actors: SYSTEM,
      event: EVENT_TYPES.rejected,
      when: 'no-partner-response',
    },
  ],

  decide({ claim, command, now, nowIso, policy, calendar, allowed }) {
    assertEpoch(claim, command.statusEpoch, 'expirePartnerResponse', allowed);
    const due = claim.infoRequest?.dueAt;
    if (due && now.getTime() < Date.parse(due)) {
      throw invalidState(`The partner has until ${due} to respond`, {
        currentStatus: claim.status,
        allowedStates: ['PartnerActionRequired'],
        action: 'expirePartnerResponse',
        condition: 'deadline-not-reached',
        dueAt: due,
      });
    }
    return rejection('no-partner-response', nowIso, calendar.addCalendarDays(now, policy.disputeWindowDays).toISOString());
  },
};
