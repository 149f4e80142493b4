import { configSchema, readEnv, setting, type Environment } from '@cpor/kernel';

/**
 * The standard OpenTelemetry variables a service's tracing reads (the SDK reads them itself; they
 * are declared here so they are checked at start and documented with the rest). Tracing is off
 * unless OTEL_TRACES_EXPORTER names an exporter. Other OTEL_* variables (OTEL_BSP_*,
 * OTEL_PROPAGATORS, OTEL_RESOURCE_ATTRIBUTES, ...) reach the SDK unchecked.
 */
export const tracingSettingsSchema = configSchema(
  {
    OTEL_TRACES_EXPORTER: setting.list({
      item: /^(otlp|console|none)$/,
      items: 'exporters: otlp, console (or none)',
      description: 'traces: where spans go (docs/operations.md, Traces); unset or `none`: no tracing (and no instrumentation loaded)',
    }),
    OTEL_SDK_DISABLED: setting.flag({ description: 'traces: `true` turns tracing off whatever OTEL_TRACES_EXPORTER says' }),
    OTEL_SERVICE_NAME: setting.text({ description: 'traces: the `service.name` of the spans', shownDefault: 'the service: `intake`, `review`, ...' }),
    OTEL_EXPORTER_OTLP_ENDPOINT: setting.url({
      schemes: ['http', 'https'],
      description: 'traces: the OTLP receiver (a collector); with http/protobuf and http/json spans go to `<endpoint>/v1/traces`',
      shownDefault: '`http://localhost:4318` (grpc: `http://localhost:4317`)',
    }),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: setting.url({
      schemes: ['http', 'https'],
      description: 'traces: the full URL spans are sent to, instead of OTEL_EXPORTER_OTLP_ENDPOINT',
    }),
    OTEL_EXPORTER_OTLP_PROTOCOL: setting.oneOf(['http/protobuf', 'http/json', 'grpc'], { description: 'traces: the OTLP transport', shownDefault: '`http/protobuf`' }),
    OTEL_EXPORTER_OTLP_HEADERS: setting.secret({ description: 'traces: headers sent to the OTLP receiver, `name=value,...` (e.g. an API key); never printed' }),
    OTEL_TRACES_SAMPLER: setting.oneOf(['parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio', 'always_on', 'always_off', 'traceidratio'], {
      description: 'traces: which traces are recorded (a `parentbased_*` sampler follows the caller\'s sampled flag)',
      shownDefault: '`parentbased_always_on`',
    }),
    OTEL_TRACES_SAMPLER_ARG: setting.text({
      description: 'traces: the ratio of the `*traceidratio` samplers',
      pattern: /^(0(\.\d+)?|1(\.0+)?)$/,
      allowed: 'a number 0-1',
      shownDefault: '`1`',
    }),
  },
  (values) =>
    values.OTEL_TRACES_EXPORTER?.includes('none') && values.OTEL_TRACES_EXPORTER.length > 1
      ? [{ variable: 'OTEL_TRACES_EXPORTER', message: '`none` cannot be combined with an exporter' }]
      : [],
);

export type TracingSettings = ReturnType<typeof readTracingSettings>;

export function readTracingSettings(env: Environment = process.env) {
  return readEnv(tracingSettingsSchema, env);
}

/** Tracing runs when an exporter is named (OTEL_TRACES_EXPORTER) and the SDK is not disabled. */
export function tracingEnabled(settings: TracingSettings): boolean {
  return !settings.OTEL_SDK_DISABLED && (settings.OTEL_TRACES_EXPORTER ?? []).some((exporter) => exporter !== 'none');
}
