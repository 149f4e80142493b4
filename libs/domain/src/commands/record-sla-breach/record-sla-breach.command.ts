import { SLA_KINDS, type SlaKind } from '../../claim.js';
import { SLA_STATUS, runningReviewSla } from '../../running-deadlines.js';
import { invalidCommand, invalidState } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { isOneOf } from '../../reasons.js';
import { assertEpoch } from '../shared.js';
import { type CommandDefinition, SYSTEM } from '../command-definition.js';

export const recordSlaBreach: CommandDefinition<'recordSlaBreach'> = {
  transitions: [
    { action: 'recordSlaBreach', from: ['Submitted', 'UnderReview', 'Rejected'], to: 'same', actors: SYSTEM, event: EVENT_TYPES.slaBreached },
  ],

  decide({ claim, command, now, nowIso, calendar, allowed }) {
    if (!isOneOf(SLA_KINDS, command.sla)) throw invalidCommand([`sla must be one of ${SLA_KINDS.join(', ')}`]);
    const sla: SlaKind = command.sla;
    assertEpoch(claim, command.statusEpoch, 'recordSlaBreach', allowed);
    // The SLA is counted from when it started running, so a stale timer cannot breach a fresh one.
    const running = runningReviewSla(claim, calendar);
    if (running?.kind !== sla) {
      throw invalidState(`No ${sla} SLA runs for a claim in status ${claim.status}${sla === 'dispute-answer' ? ' without an open dispute' : ''}`, {
        currentStatus: claim.status,
        allowedStates: [SLA_STATUS[sla]],
        action: 'recordSlaBreach',
        condition: 'sla-not-running',
      });
    }
    const due = running.dueAt.toISOString();
    if (now.getTime() < running.dueAt.getTime()) {
      throw invalidState(`The ${sla} SLA is not breached before ${due}`, {
        currentStatus: claim.status,
        allowedStates: [SLA_STATUS[sla]],
        action: 'recordSlaBreach',
        condition: 'sla-not-breached',
        dueAt: due,
      });
    }
    const disputeId = running.ref;
    const breaches = claim.slaBreaches ?? [];
    if (breaches.some((b) => b.sla === sla && b.statusEpoch === claim.statusEpoch && b.disputeId === disputeId)) {
      throw invalidState(`The ${sla} SLA breach is already recorded`, {
        currentStatus: claim.status,
        allowedStates: [SLA_STATUS[sla]],
        action: 'recordSlaBreach',
        condition: 'sla-breach-already-recorded',
      });
    }
    const breach = { sla, statusEpoch: claim.statusEpoch, dueAt: due, recordedAt: nowIso, disputeId };
    const what = { 'review-start': 'review not started', decision: 'no review decision', 'dispute-answer': 'dispute not answered' }[sla];
    return {
      patch: { slaBreaches: [...breaches, breach] },
      data: { sla, dueAt: due, statusEpoch: claim.statusEpoch, disputeId },
      summary: `SLA breached: ${what} by ${due}`,
    };
  },
};
