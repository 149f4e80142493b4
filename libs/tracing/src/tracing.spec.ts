import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { activeTraceIds, currentTraceparent, inSpan, outsideRequestContext, runInRequestContext, startSpan, withoutInstrumentation } from '@cpor/kernel';
import { startTracing } from './start-tracing.js';
import { readTracingSettings, tracingEnabled } from './tracing-settings.js';

const CALLER = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
const CALLER_TRACEPARENT = `00-${CALLER.traceId}-${CALLER.spanId}-01`;

describe('tracing settings', () => {
  it('are off unless OTEL_TRACES_EXPORTER names an exporter and the SDK is not disabled', () => {
    const enabled = (env: Record<string, string>) => tracingEnabled(readTracingSettings(env));
    expect(enabled({})).toBe(false);
    expect(enabled({ OTEL_TRACES_EXPORTER: '' })).toBe(false);
    expect(enabled({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(enabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(enabled({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(enabled({ OTEL_TRACES_EXPORTER: 'otlp, console' })).toBe(true);
    expect(enabled({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });

  it('refuse what the SDK would ignore or misread', () => {
    expect(() => readTracingSettings({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow('Invalid configuration: OTEL_TRACES_EXPORTER="jaeger": expected comma-separated exporters: otlp, console (or none)');
    expect(() => readTracingSettings({ OTEL_TRACES_EXPORTER: 'none,otlp' })).toThrow('`none` cannot be combined with an exporter');
    expect(() => readTracingSettings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' })).toThrow('expected one of http/protobuf, http/json, grpc');
    expect(() => readTracingSettings({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow('expected a number 0-1');
    expect(() => readTracingSettings({ OTEL_EXPORTER_OTLP_HEADERS: 'x', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      'Invalid configuration: OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": expected an absolute http: or https: URL',
    );
  });

  it('start nothing when off or invalid (the configuration check reports what is wrong)', async () => {
    await expect(startTracing('intake', {})).resolves.toBe(false);
    await expect(startTracing('intake', { OTEL_TRACES_EXPORTER: 'jaeger' })).resolves.toBe(false);
  });
});

// The kernel's spans (libs/kernel/src/trace-context.ts) under the SDK as startTracing configures
// it, spans kept in memory and no instrumentation.
describe('spans of ours with tracing on', () => {
  const exporter = new InMemorySpanExporter();
  const sdk = new NodeSDK({ spanProcessors: [new SimpleSpanProcessor({ exporter })], instrumentations: [], metricReaders: [], logRecordProcessors: [], resourceDetectors: [] });
  const finished = (name: string) => exporter.getFinishedSpans().find((span) => span.name === name)!;

  beforeAll(() => sdk.start());
  afterAll(() => sdk.shutdown());
  beforeEach(() => exporter.reset());

  it("continue a given traceparent and hand their own to what runs in them (logs, the ledger's events)", async () => {
    const seen = await inSpan('process t', { kind: 'consumer', parent: CALLER_TRACEPARENT }, async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { own: span.traceparent, current: currentTraceparent(), ids: activeTraceIds() };
    });
    const span = finished('process t');
    expect(span.spanContext().traceId).toBe(CALLER.traceId);
    expect(span.parentSpanContext).toMatchObject({ ...CALLER, isRemote: true });
    expect(seen).toEqual({ own: `00-${CALLER.traceId}-${span.spanContext().spanId}-01`, current: seen.own, ids: { traceId: CALLER.traceId, spanId: span.spanContext().spanId } });
  });

  it('nest under the active span by default; a null or unusable parent starts a new trace', async () => {
    await inSpan('outer', {}, async () => {
      await inSpan('inner', {}, async () => undefined);
      await inSpan('fresh', { parent: null }, async () => undefined);
      await inSpan('garbage', { parent: 'not a traceparent' }, async () => undefined);
    });
    const outer = finished('outer').spanContext();
    expect(finished('inner').parentSpanContext?.spanId).toBe(outer.spanId);
    for (const name of ['fresh', 'garbage']) {
      expect(finished(name).parentSpanContext).toBeUndefined();
      expect(finished(name).spanContext().traceId).not.toBe(outer.traceId);
    }
  });

  it('start a producer span per record that is not active, each under its own parent', async () => {
    await inSpan('relay round', {}, async () => {
      const record = startSpan('send t', { kind: 'producer', parent: CALLER_TRACEPARENT, attributes: { 'messaging.message.id': 'e-1', absent: undefined } });
      expect(currentTraceparent()).not.toBe(record.traceparent);
      expect(record.traceparent).toMatch(new RegExp(`^00-${CALLER.traceId}-[0-9a-f]{16}-01$`));
      record.end();
    });
    const send = finished('send t');
    expect(send.parentSpanContext?.spanId).toBe(CALLER.spanId);
    expect(send.attributes).toEqual({ 'messaging.message.id': 'e-1' });
  });

  it('record a failure and let the error through', async () => {
    await expect(inSpan('claim submit', {}, async () => Promise.reject(new Error('version conflict')))).rejects.toThrow('version conflict');
    const span = finished('claim submit');
    expect(span.status).toEqual({ code: 2, message: 'version conflict' });
    expect(span.events.map((event) => event.name)).toEqual(['exception']);
  });

  it('leave no trace active in a background round, and silence instrumentations where asked', async () => {
    await inSpan('request', {}, async () => {
      runInRequestContext({ correlationId: 'c-1' }, () => outsideRequestContext(() => expect(activeTraceIds()).toBeUndefined()));
      // What an instrumentation does inside: start a span under the active context. It records nothing.
      expect(withoutInstrumentation(() => startSpan('instrumented send').traceparent)).toBeUndefined();
    });
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['request']);
  });
});
