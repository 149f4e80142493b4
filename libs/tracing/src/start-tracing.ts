import { register } from 'node:module';
import type { IncomingMessage } from 'node:http';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { isProbePath, loggablePath, type Environment } from '@cpor/kernel';
import { readTracingSettings, tracingEnabled } from './tracing-settings.js';

/** The packages the instrumentations patch: the only ones the ESM loader hook wraps. */
const INSTRUMENTED = ['http', 'https', 'kafkajs', 'mongodb'];

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry tracing for this process when OTEL_TRACES_EXPORTER names an exporter
 * (off by default: then nothing is loaded and nothing is traced). Call it first in main.ts and
 * import everything else after it: the services are ES modules, and the instrumentations see an
 * ES import of http, kafkajs or mongodb only through import-in-the-middle's loader hook, which
 * must be registered before those modules are first imported.
 *
 * The NodeSDK reads the standard OTEL_* variables itself (tracingSettingsSchema lists the main
 * ones). Instrumented: HTTP (server spans; probes and what the SDK sends are left out), kafkajs
 * and the MongoDB driver (under a span of ours only); the spans of our own are libs/kernel's
 * (trace-context.ts). Traces only: metrics stay Prometheus, logs stay on standard output.
 * Returns whether tracing started; a bad setting starts nothing (the configuration check reports it).
 */
export async function startTracing(service: string, env: Environment = process.env): Promise<boolean> {
  if (sdk) return true;
  let enabled: boolean;
  try {
    enabled = tracingEnabled(readTracingSettings(env));
  } catch {
    return false; // exitOnInvalidConfiguration, which main.ts runs next, names the bad variable
  }
  if (!enabled) return false;
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: INSTRUMENTED } });
  const [{ NodeSDK }, { HttpInstrumentation }, { KafkaJsInstrumentation }, { MongoDBInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-kafkajs'),
    import('@opentelemetry/instrumentation-mongodb'),
  ]);
  const named = Boolean(env.OTEL_SERVICE_NAME) || /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  sdk = new NodeSDK({
    ...(named ? {} : { serviceName: service }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => isProbePath(request.url),
        // As in the access log: the path without the consent link's token, and no query string.
        startIncomingSpanHook: (request: IncomingMessage) => ({ 'url.path': loggablePath(request.url), 'url.query': undefined }),
        requireParentforOutgoingSpans: true,
      }),
      new KafkaJsInstrumentation(),
      new MongoDBInstrumentation(),
    ],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return true;
}

/**
 * Exports the spans still buffered and stops tracing, waiting at most `timeoutMs` (an unreachable
 * receiver must not hold up a service's stop: its spans are dropped). Nothing when tracing is off.
 */
export async function stopTracing(timeoutMs = 5_000): Promise<void> {
  const running = sdk;
  if (!running) return;
  sdk = undefined;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    running.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
