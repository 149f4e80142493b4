import { EDITABLE_FIELDS, type ClaimState, type Contact, type EditableField } from '../../claim.js';
import { invalidCommand } from '../../errors.js';
import { notEditableMessage } from '../../not-editable.js';
import { EVENT_TYPES } from '../../event-types.js';
import { isOneOf } from '../../reasons.js';
import { isRecord } from '../../validation.js';
import { assertPartnerResponseOpen, checkEditable, contact } from '../shared.js';
import { type CommandDefinition, PARTNER } from '../command-definition.js';

export const edit: CommandDefinition<'edit'> = {
  transitions: [
    // Editing is the draft: partners may always edit it (R10 constrains edits after submission).
    { action: 'edit', from: ['Editing'], to: 'same', actors: PARTNER, event: EVENT_TYPES.edited },
    { action: 'edit', from: 'policy-editable', to: 'same', actors: PARTNER, event: EVENT_TYPES.edited },
  ],

  decide({ claim, command, policy, now, allowed }) {
    assertPartnerResponseOpen(claim, now, 'edit');
    const errors: string[] = [];
    const changes = isRecord(command.changes) ? (command.changes as Record<string, unknown>) : undefined;
    const named = changes ? Object.keys(changes).filter((k) => changes[k] !== undefined) : [];
    if (!changes || named.length === 0) errors.push(`changes must name at least one of ${policy.editableFields.join(', ')}`);
    const refusal = (field: string, byPolicy: boolean) => notEditableMessage(field, { id: policy.id, editableFields: policy.editableFields, statuses: allowed, byPolicy });
    for (const field of named) {
      if (!isOneOf(EDITABLE_FIELDS, field)) {
        errors.push(refusal(field, false));
        continue;
      }
      if (!policy.editableFields.includes(field)) {
        errors.push(refusal(field, true));
        continue;
      }
      checkEditable(errors, field, changes![field]);
    }
    if (errors.length) throw invalidCommand(errors);

    const patch: Record<string, unknown> = {};
    const previous: Record<string, unknown> = {};
    for (const field of named as EditableField[]) {
      const value = changes![field];
      patch[field] = field === 'customerContact' || field === 'partnerContact' ? contact(value as Contact) : structuredClone(value);
      previous[field] = claim[field];
    }
    return {
      patch: patch as Partial<ClaimState>,
      data: { changes: patch, previous },
      summary: `Edited ${named.join(', ')}`,
    };
  },
};
