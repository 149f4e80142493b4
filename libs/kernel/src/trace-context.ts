import { context, isSpanContextValid, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/*
 * The trace context of the work in hand: W3C `traceparent` values and our own spans, over the
 * OpenTelemetry API (the one module of ours that imports it; the SDK is libs/tracing's). Until an
 * SDK is started (tracing is off by default) the API is a no-op: no span is ever active, and a
 * span started under a given parent carries that parent's context, so a `traceparent` is passed
 * through unchanged. Nothing here throws on behalf of tracing: a handler never fails because of it.
 */

/** A W3C trace context: what a `traceparent` header holds. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  /** The trace flags byte (bit 0: sampled). */
  traceFlags: number;
}

/** W3C trace context, version 00 exactly; later versions may append fields after the flags. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The trace context of a valid `traceparent` header, else undefined (headers come from anyone). */
export function parseTraceparent(traceparent: unknown): TraceParent | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16) };
}

/** The `traceparent` header (version 00) of a trace context. */
export function formatTraceparent({ traceId, spanId, traceFlags }: TraceParent): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A valid `traceparent` as version 00, else undefined. */
export function acceptedTraceparent(traceparent: unknown): string | undefined {
  const parsed = parseTraceparent(traceparent);
  return parsed && formatTraceparent(parsed);
}

/** The trace id of a valid `traceparent` header, else undefined. */
export function traceIdFrom(traceparent: unknown): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}

/** The active span's context, when it is a valid one (none with tracing off or outside any span). */
function activeSpanContext(): TraceParent | undefined {
  const span = trace.getSpanContext(context.active());
  return span && isSpanContextValid(span) ? span : undefined;
}

/** The active span's trace and span ids (none with tracing off or outside any span). */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = activeSpanContext();
  return span && { traceId: span.traceId, spanId: span.spanId };
}

/** The active span's `traceparent` (none with tracing off or outside any span). */
export function activeTraceparent(): string | undefined {
  const span = activeSpanContext();
  return span && formatTraceparent(span);
}

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanOptions {
  /** Default `internal`. */
  kind?: 'internal' | 'producer' | 'consumer';
  /**
   * The parent as a `traceparent` (a record's, or one stored with an outbox row). Default: the
   * active span. `null`, or a value that is no valid traceparent: the span starts a new trace.
   */
  parent?: string | null;
  attributes?: SpanAttributes;
}

/** One of our spans, as the code that runs in it sees it. */
export interface TraceSpan {
  /** Its `traceparent`; with tracing off, its parent's (passed through), or undefined without one. */
  readonly traceparent: string | undefined;
  setAttribute(name: string, value: string | number | boolean): void;
  /** Marks it failed (error status, the error as an exception event); it still ends as usual. */
  fail(error: unknown): void;
  end(): void;
}

// A proxy until an SDK registers its provider; then it is the SDK's tracer.
const tracer = trace.getTracer('cpor');

const KINDS = { internal: SpanKind.INTERNAL, producer: SpanKind.PRODUCER, consumer: SpanKind.CONSUMER } as const;

function parentContext(parent: string | null | undefined): Context {
  if (parent === undefined) return context.active();
  const remote = parseTraceparent(parent);
  return remote ? trace.setSpanContext(ROOT_CONTEXT, { ...remote, isRemote: true }) : ROOT_CONTEXT;
}

function definedAttributes(attributes: SpanAttributes = {}): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== undefined)) as Record<string, string | number | boolean>;
}

function handle(span: Span): TraceSpan {
  const spanContext = span.spanContext();
  return {
    traceparent: isSpanContextValid(spanContext) ? formatTraceparent(spanContext) : undefined,
    setAttribute: (name, value) => void span.setAttribute(name, value),
    fail: (error) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      span.recordException(failure);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
    },
    end: () => span.end(),
  };
}

function start(name: string, options: SpanOptions, parent: Context): Span {
  return tracer.startSpan(name, { kind: KINDS[options.kind ?? 'internal'], attributes: definedAttributes(options.attributes) }, parent);
}

/** Starts a span without making it active (one per record of a producer batch); end it yourself. */
export function startSpan(name: string, options: SpanOptions = {}): TraceSpan {
  return handle(start(name, options, parentContext(options.parent)));
}

/**
 * Runs `work` in a new span, active while it runs (what it logs, stores and publishes descends
 * from it). The span ends when the work does; a throw marks it failed and goes on to the caller.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: TraceSpan) => Promise<T>): Promise<T> {
  const parent = parentContext(options.parent);
  const span = start(name, options, parent);
  const traced = handle(span);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(traced));
  } catch (error) {
    traced.fail(error);
    throw error;
  } finally {
    span.end();
  }
}

/** Runs `work` outside any trace (a background round must not join the request that nudged it). */
export function outsideTraceContext<T>(work: () => T): T {
  return context.with(ROOT_CONTEXT, work);
}

/**
 * Runs `work` with the instrumentations silenced: they start no span and write no trace header.
 * For a call whose spans are ours already (the publisher's sends, each record under its own parent).
 */
export function withoutInstrumentation<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}
