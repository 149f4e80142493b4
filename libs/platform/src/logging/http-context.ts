import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptedCorrelationId, acceptedTraceparent, activeTraceIds, runInRequestContext, traceIdFrom, type RequestContext } from '@cpor/kernel';

/**
 * The correlation id of an HTTP request: taken from this header when the caller sends a usable
 * one (1 to 128 visible ASCII characters), a new UUID otherwise; always answered in the same
 * header. Every event the request causes carries it as `ce_correlationid`.
 */
export const CORRELATION_ID_HEADER = 'X-Correlation-Id';

const CONTEXT = Symbol('cpor.request-context');

type WithContext = IncomingMessage & { [CONTEXT]?: RequestContext };

/** The correlation id a request gets: the caller's when usable, else a new one. */
export function correlationIdFor(request: Pick<IncomingMessage, 'headers'>): string {
  return acceptedCorrelationId(request.headers['x-correlation-id']) ?? randomUUID();
}

/**
 * Express middleware, first of all: gives each request its context (service, correlation id,
 * trace id: the HTTP span's when tracing is on, else the one of a `traceparent` that came along),
 * answers the correlation id and runs the rest of the request in that context.
 */
export function requestContextMiddleware(service: string) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const correlationId = correlationIdFor(request);
    const traceparent = acceptedTraceparent(request.headers['traceparent']);
    const traceId = activeTraceIds()?.traceId ?? traceIdFrom(traceparent);
    const context: RequestContext = { origin: 'http', service, correlationId, ...(traceId ? { traceId } : {}), ...(traceparent ? { traceparent } : {}) };
    (request as WithContext)[CONTEXT] = context;
    response.setHeader(CORRELATION_ID_HEADER, correlationId);
    runInRequestContext(context, next);
  };
}

/** The context the middleware gave this request (also read when the response has ended, for the access log). */
export function contextOfRequest(request: IncomingMessage): RequestContext | undefined {
  return (request as WithContext)[CONTEXT];
}
