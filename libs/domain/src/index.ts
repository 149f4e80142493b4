// Public API of the domain library: pure lifecycle rules of CPOR claims (no I/O, time comes in as a parameter).
export * from './statuses.js';
export * from './reasons.js';
export * from './roles.js';
export * from './claim.js';
export * from './commands.js';
export * from './errors.js';
export * from './policy.js';
export * from './business-calendar.js';
export * from './transitions.js';
export * from './decide.js';
export * from './eligibility.js';
export * from './lifecycle-diagram.js';
export {
  FIELD_LIMITS,
  FIELD_MESSAGES,
  FIELD_PATTERNS,
  checkDomainName,
  checkEmail,
  checkGuid,
  checkMpnId,
  checkPhone,
  checkProducts,
  checkSha256,
  checkText,
  checkWorkloads,
  isGuid,
} from './validation.js';
export * from './event-types.js';
export * from './running-deadlines.js';
export { isDisputableReason, mayDispute } from './disputes.js';
export * from './not-editable.js';
