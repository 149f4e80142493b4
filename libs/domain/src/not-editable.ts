import { EDITABLE_FIELDS } from './claim.js';

/**
 * The refusal of an edit naming a field it may not change: the field, what may be edited, and,
 * where the claim's policy is known, in which statuses. One wording for the domain and the
 * request classes of HTTP and Kafka (which know no policy, so name every editable field).
 */
export function notEditableMessage(field: string, policy?: { id: string; editableFields: readonly string[]; statuses: readonly string[]; byPolicy: boolean }): string {
  if (!policy) return `${field} cannot be edited in any status (editable: ${EDITABLE_FIELDS.join(', ')})`;
  const where = policy.byPolicy ? ` under policy ${policy.id}` : '';
  return `${field} cannot be edited${where} in any status (editable: ${policy.editableFields.join(', ')}, in ${policy.statuses.join(', ')})`;
}
