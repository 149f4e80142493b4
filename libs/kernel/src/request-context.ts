import { AsyncLocalStorage } from 'node:async_hooks';
import { activeTraceparent, outsideTraceContext } from './trace-context.js';

/**
 * What the work in progress is about: one HTTP request or one consumed Kafka record. Every log
 * line written while it runs carries these fields, and the claim ledger stamps `correlationId`
 * on the events of the changes made in it (unless its caller names another).
 *
 * Set where the work enters a service: the HTTP middleware (libs/platform) and the Kafka consumer
 * loop (libs/messaging). Background work (outbox relay, pollers, mail sender) runs outside any.
 */
export interface RequestContext {
  /**
   * Where the work came from. A consumed record and a poller's firing are retried under the same
   * command id by their own loop; an HTTP caller without an Idempotency-Key cannot be, so the
   * claim ledger settles an unsure write itself before it answers one (ClaimLedger).
   */
  origin?: 'http' | 'record';
  /** The service doing the work (one per process in production; several in an in-process test run). */
  service?: string;
  /** The chain of work this belongs to: `X-Correlation-Id` of a request, `ce_correlationid` of a record. */
  correlationId?: string;
  /** W3C trace id: the active span's when tracing is on, else the valid `traceparent` the request or record carried. */
  traceId?: string;
  /**
   * The valid `traceparent` the request or record came with (as version 00). With tracing off the
   * events the work causes carry it unchanged, so a caller's trace still reaches every service.
   */
  traceparent?: string;
  claimId?: string;
  /** `ce_id` of the record being handled. */
  eventId?: string;
  /** Logical topic, partition and offset of the record being handled. */
  topic?: string;
  partition?: number;
  offset?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Runs `work` with `context` as the current context (the object itself, not a copy: amending it
 * later is seen by whoever holds it, e.g. the access log written when the response ends).
 */
export function runInRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/** The current context, or undefined outside any request or record. */
export function requestContext(): Readonly<RequestContext> | undefined {
  return storage.getStore();
}

/** Adds fields to the current context (undefined values are ignored); nothing outside one. */
export function amendRequestContext(fields: Partial<RequestContext>): void {
  const context = storage.getStore();
  if (!context) return;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (context as Record<string, unknown>)[key] = value;
  }
}

/**
 * Runs `work` outside any context, request and trace alike. Background loops use it for each
 * round: a timer set while a request was being handled (a nudge) would otherwise run the round
 * in that request's context and trace.
 */
export function outsideRequestContext<T>(work: () => T): T {
  return storage.exit(() => outsideTraceContext(work));
}

/**
 * The `traceparent` the work in hand passes on to what it causes (the ledger stamps it on its
 * events): the active span's when tracing is on, else the one the request or record came with.
 */
export function currentTraceparent(): string | undefined {
  return activeTraceparent() ?? storage.getStore()?.traceparent;
}

/** `X-Correlation-Id` and `ce_correlationid` values we keep: 1 to 128 visible ASCII characters. */
const CORRELATION_ID = /^[\x21-\x7e]{1,128}$/;

/** The value if it is a usable correlation id (1 to 128 visible ASCII characters), else undefined. */
export function acceptedCorrelationId(value: unknown): string | undefined {
  return typeof value === 'string' && CORRELATION_ID.test(value) ? value : undefined;
}
