import { openDispute, type Dispute } from '../../claim.js';
import { invalidCommand, invalidState } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { dueAt } from '../../policy.js';
import { MAX_TEXT, checkText } from '../../validation.js';
import { type CommandDefinition, REVIEWER } from '../command-definition.js';

export const decideDispute: CommandDefinition<'decideDispute'> = {
  transitions: [
    { action: 'decideDispute', from: ['Rejected'], to: 'UnderReview', actors: REVIEWER, event: EVENT_TYPES.disputeDecided, when: 'overturned' },
    { action: 'decideDispute', from: ['Rejected'], to: 'same', actors: REVIEWER, event: EVENT_TYPES.disputeDecided, when: 'sustained' },
  ],

  decide({ claim, command, nowIso, now, policy, calendar }) {
    const open = openDispute(claim);
    if (!open) {
      throw invalidState('There is no open dispute to decide', {
        currentStatus: claim.status,
        allowedStates: ['Rejected'],
        action: 'decideDispute',
        condition: 'no-open-dispute',
      });
    }
    const errors: string[] = [];
    if (command.decision !== 'overturned' && command.decision !== 'sustained') errors.push('decision must be overturned or sustained');
    checkText(errors, 'comment', command.comment, MAX_TEXT);
    if (errors.length) throw invalidCommand(errors);

    const decided: Dispute = { ...open, decision: command.decision, decidedAt: nowIso, comment: command.comment };
    const disputes = claim.disputes.map((d) => (d.id === open.id ? decided : d));
    const data = { disputeId: open.id, decision: command.decision, comment: command.comment };
    if (command.decision === 'sustained') {
      return { patch: { disputes }, data, summary: 'Dispute sustained: the rejection stands' };
    }
    // Overturned: the claim gets a fresh review, and the rejection no longer applies.
    return {
      patch: { disputes, rejection: undefined, reviewStartedAt: nowIso },
      to: 'UnderReview',
      data: { ...data, decisionDueAt: dueAt('decision', now, policy, calendar).toISOString() },
      summary: 'Dispute overturned: the claim is back under review',
    };
  },
};
