export * from './clock.js';
export * from './errors.js';
export * from './for-each-concurrently.js';
export * from './polling-loop.js';
export * from './json-depth.js';
export * from './configuration.js';
export * from './request-context.js';
export {
  acceptedTraceparent,
  activeTraceIds,
  activeTraceparent,
  inSpan,
  outsideTraceContext,
  startSpan,
  traceIdFrom,
  withoutInstrumentation,
  type SpanAttributes,
  type SpanOptions,
  type TraceSpan,
} from './trace-context.js';
export * from './redaction.js';
