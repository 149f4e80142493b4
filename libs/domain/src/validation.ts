// Run-time checks of untrusted command input. Each check appends to `errors` so a caller gets every problem at once.
import { PRODUCTS, isOneOf } from './reasons.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_GUID = '00000000-0000-0000-0000-000000000000';
// Pragmatic shape check (one @, a dot in the domain, no spaces); deliverability is the mailer's job.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
// MPN IDs (Partner IDs) are numbers of 6 to 10 digits (the same rule as the contracts' MPN_ID_PATTERN).
const MPN_ID = /^\d{6,10}$/;
const PHONE = /^\+?[0-9 ()./-]{3,30}$/;
const SHA256 = /^[0-9a-f]{64}$/i;

export const MAX_TEXT = 4000;
const MAX_NAME = 256;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value) && value !== NIL_GUID;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Non-empty (after trimming) string of at most `max` characters. */
export function checkText(errors: string[], path: string, value: unknown, max = MAX_NAME): void {
  if (typeof value !== 'string' || value.trim() === '') errors.push(`${path} is required`);
  else if (value.length > max) errors.push(`${path} must be at most ${max} characters`);
}

export function checkOptionalText(errors: string[], path: string, value: unknown, max = MAX_TEXT): void {
  if (value !== undefined) checkText(errors, path, value, max);
}

export function checkMpnId(errors: string[], path: string, value: unknown): void {
  if (typeof value !== 'string' || !MPN_ID.test(value)) errors.push(`${path} must be 6 to 10 digits`);
}

export function checkContact(errors: string[], path: string, value: unknown): void {
  if (!isRecord(value)) {
    errors.push(`${path} is required (name, email, optional phone)`);
    return;
  }
  checkText(errors, `${path}.name`, value.name);
  if (typeof value.email !== 'string' || !EMAIL.test(value.email) || value.email.length > MAX_NAME) {
    errors.push(`${path}.email must be an email address`);
  }
  if (value.phone !== undefined && (typeof value.phone !== 'string' || !PHONE.test(value.phone))) {
    errors.push(`${path}.phone must be a phone number`);
  }
}

export function checkCustomer(errors: string[], path: string, value: unknown): void {
  if (!isRecord(value)) {
    errors.push(`${path} is required (tenantId, name, domain)`);
    return;
  }
  if (!isGuid(value.tenantId)) errors.push(`${path}.tenantId must be a GUID (Microsoft Entra tenant ID)`);
  checkText(errors, `${path}.name`, value.name);
  if (typeof value.domain !== 'string' || !DOMAIN.test(value.domain)) errors.push(`${path}.domain must be a domain name`);
}

export function checkProducts(errors: string[], path: string, value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push(`${path} must list at least one of ${PRODUCTS.join(', ')}`);
    return;
  }
  value.forEach((p, i) => {
    if (!isOneOf(PRODUCTS, p)) errors.push(`${path}[${i}] must be one of ${PRODUCTS.join(', ')}`);
  });
  if (new Set(value).size !== value.length) errors.push(`${path} must not repeat a product`);
}

export function checkWorkloads(errors: string[], path: string, value: unknown): void {
  if (!Array.isArray(value)) {
    errors.push(`${path} must be a list of workload names`);
    return;
  }
  value.forEach((w, i) => checkText(errors, `${path}[${i}]`, w));
}

export function checkStringList(errors: string[], path: string, value: unknown): void {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    errors.push(`${path} must be a list of non-empty strings`);
  }
}

export function checkPoeDocument(errors: string[], path: string, value: unknown): void {
  if (!isRecord(value)) {
    errors.push(`${path} is required`);
    return;
  }
  checkText(errors, `${path}.documentId`, value.documentId);
  checkText(errors, `${path}.fileName`, value.fileName);
  checkText(errors, `${path}.contentType`, value.contentType);
  if (typeof value.size !== 'number' || !Number.isInteger(value.size) || value.size <= 0) {
    errors.push(`${path}.size must be a whole number of bytes > 0`);
  }
  if (typeof value.sha256 !== 'string' || !SHA256.test(value.sha256)) errors.push(`${path}.sha256 must be 64 hex characters`);
}
