import { assertDisputeCanOpen } from '../../disputes.js';
import { invalidCommand } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { checkPoeDocument } from '../../validation.js';
import { assertPartnerResponseOpen } from '../shared.js';
import { type CommandDefinition, PARTNER } from '../command-definition.js';

export const addPoe: CommandDefinition<'addPoe'> = {
  transitions: [
    { action: 'addPoe', from: ['Editing'], to: 'same', actors: PARTNER, event: EVENT_TYPES.poeAdded },
    { action: 'addPoe', from: 'policy-editable', to: 'same', actors: PARTNER, event: EVENT_TYPES.poeAdded },
    { action: 'addPoe', from: ['Rejected'], to: 'same', actors: PARTNER, event: EVENT_TYPES.poeAdded, when: 'a dispute can be opened' },
  ],

  decide({ claim, command, actor, nowIso, policy, now }) {
    if (claim.status === 'Rejected') assertDisputeCanOpen(claim, policy, now, 'addPoe');
    assertPartnerResponseOpen(claim, now, 'addPoe');
    const errors: string[] = [];
    checkPoeDocument(errors, 'document', command.document);
    if (!errors.length && claim.poe.some((d) => d.documentId === command.document.documentId)) {
      errors.push(`document.documentId ${command.document.documentId} is already on the claim`);
    }
    if (errors.length) throw invalidCommand(errors);
    const d = command.document;
    // The ledger's time and the acting user are the truth about when and by whom, whatever the caller sent.
    const document = { documentId: d.documentId, fileName: d.fileName, contentType: d.contentType, size: d.size, sha256: d.sha256, addedAt: nowIso, addedBy: actor.id };
    return {
      patch: { poe: [...claim.poe, document] },
      data: { document },
      summary: `PoE added: ${d.fileName}`,
    };
  },
};
