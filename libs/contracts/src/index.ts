// Public API of the contracts library: what crosses a service boundary (topics, event and request
// types, the CloudEvents envelope, event payloads, request classes). Event type names are the
// domain's (its decisions name the events they cause); contracts re-exports them, one direction.
export { ASSESSMENT_TYPE, EVENT_TYPES, REQUEST_REJECTED_TYPE, REQUEST_TYPES, type EventType, type RequestType } from '@cpor/domain';
export * from './envelope.js';
export * from './lifecycle-event.js';
export * from './topics.js';
export * from './requests/index.js';
export * from './subscriptions.js';
export * from './responses/claim.response.js';
