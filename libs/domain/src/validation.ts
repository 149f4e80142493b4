// Run-time checks of untrusted command input. Each check appends to `errors` so a caller gets every problem at once.
// The limits, patterns and messages here are the one home of the claim fields' rules: the
// contracts' request classes (HTTP and Kafka) build their decorators from them, so all three
// refuse the same values with the same message.
import { PRODUCTS, isOneOf } from './reasons.js';

const NIL_GUID = '00000000-0000-0000-0000-000000000000';

export const FIELD_PATTERNS = {
  guid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  // Pragmatic shape check (one @, a dot in the domain, no spaces); deliverability is the mailer's job.
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  domain: /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
  // MPN IDs (Partner IDs) are numbers of 6 to 10 digits.
  mpnId: /^\d{6,10}$/,
  phone: /^\+?[0-9 ()./-]{3,30}$/,
  sha256: /^[0-9a-f]{64}$/,
} as const;

/** Longest accepted value, in characters (`workloads`, `poe`: in items). */
export const FIELD_LIMITS = {
  /** Names: contacts, customers, workloads, file names, document ids. */
  name: 256,
  email: 256,
  /** Comments, justifications. */
  text: 4000,
  /** Claim, dispute and assessment ids. */
  id: 128,
  policyId: 64,
  subscriptionOrTenantId: 128,
  workloads: 50,
  /** PoE references in one upstream request. */
  poe: 20,
} as const;

/** The wording of every field problem: `<path> <problem>`. */
export const FIELD_MESSAGES = {
  required: (path: string) => `${path} is required`,
  tooLong: (path: string, max: number) => `${path} must be at most ${max} characters`,
  mpnId: (path: string) => `${path} must be 6 to 10 digits`,
  guid: (path: string) => `${path} must be a GUID (Microsoft Entra tenant ID)`,
  email: (path: string) => `${path} must be an email address`,
  phone: (path: string) => `${path} must be a phone number`,
  domain: (path: string) => `${path} must be a domain name`,
  sha256: (path: string) => `${path} must be 64 hex characters`,
  tooMany: (path: string, max: number) => `${path} must have at most ${max} items`,
} as const;

export const MAX_TEXT = FIELD_LIMITS.text;
const MAX_NAME = FIELD_LIMITS.name;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && FIELD_PATTERNS.guid.test(value) && value !== NIL_GUID;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Non-empty (after trimming) string of at most `max` characters. */
export function checkText(errors: string[], path: string, value: unknown, max: number = MAX_NAME): void {
  if (typeof value !== 'string' || value.trim() === '') errors.push(FIELD_MESSAGES.required(path));
  else if (value.length > max) errors.push(FIELD_MESSAGES.tooLong(path, max));
}

export function checkOptionalText(errors: string[], path: string, value: unknown, max: number = MAX_TEXT): void {
  if (value !== undefined) checkText(errors, path, value, max);
}

export function checkMpnId(errors: string[], path: string, value: unknown): void {
  if (typeof value !== 'string' || !FIELD_PATTERNS.mpnId.test(value)) errors.push(FIELD_MESSAGES.mpnId(path));
}

export function checkContact(errors: string[], path: string, value: unknown): void {
  if (!isRecord(value)) {
    errors.push(`${path} is required (name, email, optional phone)`);
    return;
  }
  checkText(errors, `${path}.name`, value.name);
  checkEmail(errors, `${path}.email`, value.email);
  if (value.phone !== undefined) checkPhone(errors, `${path}.phone`, value.phone);
}

export function checkEmail(errors: string[], path: string, value: unknown): void {
  if (typeof value !== 'string' || !FIELD_PATTERNS.email.test(value) || value.length > FIELD_LIMITS.email) errors.push(FIELD_MESSAGES.email(path));
}

export function checkPhone(errors: string[], path: string, value: unknown): void {
  if (typeof value !== 'string' || !FIELD_PATTERNS.phone.test(value)) errors.push(FIELD_MESSAGES.phone(path));
}

export function checkGuid(errors: string[], path: string, value: unknown): void {
  if (!isGuid(value)) errors.push(FIELD_MESSAGES.guid(path));
}

export function checkDomainName(errors: string[], path: string, value: unknown): void {
  if (typeof value !== 'string' || !FIELD_PATTERNS.domain.test(value)) errors.push(FIELD_MESSAGES.domain(path));
}

export function checkSha256(errors: string[], path: string, value: unknown): void {
  if (typeof value !== 'string' || !FIELD_PATTERNS.sha256.test(value)) errors.push(FIELD_MESSAGES.sha256(path));
}

export function checkCustomer(errors: string[], path: string, value: unknown): void {
  if (!isRecord(value)) {
    errors.push(`${path} is required (tenantId, name, domain)`);
    return;
  }
  checkGuid(errors, `${path}.tenantId`, value.tenantId);
  checkText(errors, `${path}.name`, value.name);
  checkDomainName(errors, `${path}.domain`, value.domain);
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
  if (value.length > FIELD_LIMITS.workloads) errors.push(FIELD_MESSAGES.tooMany(path, FIELD_LIMITS.workloads));
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
  checkSha256(errors, `${path}.sha256`, value.sha256);
}
