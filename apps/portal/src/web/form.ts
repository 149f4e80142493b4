import type { Write } from '../api/claims-api.js';

/** A posted HTML form (urlencoded or multipart): every field a string, or a list when repeated. */
export type FormBody = Record<string, unknown>;

/** A field's text, trimmed ('' when absent). */
export const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/** A repeated field (checkboxes, multiple select) as a list of its non-empty values. */
export const list = (value: unknown): string[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(text).filter(Boolean);

/** The hidden fields of a claim's forms: the version it was read at (If-Match) and the form's Idempotency-Key. */
export const writeOf = (form: FormBody): Write => ({
  version: /^\d{1,9}$/.test(text(form.version)) ? Number(form.version) : undefined,
  idempotencyKey: text(form.idempotencyKey) || undefined,
});
