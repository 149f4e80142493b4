export * from './claim-ledger/claim-record.js';
export * from './claim-ledger/claim-ledger.js';
export * from './claim-ledger/outbox-relay.js';
export * from './deadlines/deadline-store.js';
export * from './poe/poe-store.js';
export * from './errors.js';
export * from './mongo-connection.js';
export * from './trusted.js';
