export * from './claim-fields.dto.js';
export * from './claim-requests.dto.js';
export * from './validate.js';
export * from './field-rules.js';
export * from './claim-id.js';
export * from './query-rules.js';
