import { Logger, ValidationPipe, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { handledTypes, subscribedTopics } from '@cpor/contracts';
import { checkConfiguration, exitOnInvalidSchemas, readEnv, type ConfigSchema, type Environment } from '@cpor/kernel';
import { KafkaTransport, loadMessagingConfig, messagingConfigSchema } from '@cpor/messaging';
import { storeSettingsSchema } from '@cpor/persistence';
import { tracingSettingsSchema } from '@cpor/tracing';
import { ConsumerRegistry } from './consumer-registry.js';
import { JsonDepthPipe } from './json-depth.pipe.js';
import { logSettingsSchema } from './logging/logger.js';
import { useServiceLogging } from './logging/logging.module.js';
import { useHttpMetrics } from './metrics/http-metrics.js';
import { SERVICE_CONFIG, serviceConfigSchema, type ServiceConfig, type ServiceName } from './service-config.js';

export interface ServiceStartOptions {
  /** Also its consumer group; the topics it reads and the types it handles are its row of SUBSCRIPTIONS. */
  service: ServiceName;
  title: string;
  description: string;
  /** Port to listen on; defaults to the configured one (0 = any free port, for tests). */
  port?: number;
  /** The service's own configuration areas, beyond the chassis's (CHASSIS_CONFIGURATION): checked at start too. */
  configuration?: readonly ConfigSchema[];
}

/** The configuration every service reads: the chassis (service-config.ts), its logs, the store, Kafka and traces. */
export const CHASSIS_CONFIGURATION: readonly ConfigSchema[] = [serviceConfigSchema, logSettingsSchema, storeSettingsSchema, messagingConfigSchema, tracingSettingsSchema];

/** Every configuration area the service reads: the chassis's, then its own. */
export function configurationOf(options: ServiceStartOptions): readonly ConfigSchema[] {
  return [...CHASSIS_CONFIGURATION, ...(options.configuration ?? [])];
}

/** Reads every variable the service uses; throws one ConfigurationError listing every bad one. */
export function checkServiceConfiguration(options: ServiceStartOptions, env: Environment = process.env): void {
  checkConfiguration(configurationOf(options).map((schema) => () => readEnv(schema, env)));
}

/**
 * Called by main.ts before Nest starts: on a bad configuration, prints one plain line per bad
 * variable (`Invalid configuration: NAME="value": expected ...`, no stack trace) to stderr and
 * exits with status 1. Nest would otherwise log the error with its stack and ExceptionHandler.
 */
export function exitOnInvalidConfiguration(options: ServiceStartOptions, env: Environment = process.env): void {
  exitOnInvalidSchemas(configurationOf(options), env);
}

/** Shared HTTP set-up: validation listing every problem, OpenAPI at /docs, ETags only where they are claim versions. */
export function configureHttp(app: INestApplication, options: Pick<ServiceStartOptions, 'title' | 'description'>): void {
  // The only ETags are claim versions (ClaimETagInterceptor): no weak body hashes from Express.
  (app.getHttpAdapter().getInstance() as { set(setting: string, value: unknown): void }).set('etag', false);
  app.useGlobalPipes(
    new JsonDepthPipe(),
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }),
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('1')
      .addBearerAuth()
      .addGlobalParameters({
        name: 'X-Correlation-Id',
        in: 'header',
        required: false,
        description: 'Your id for this request (1-128 visible ASCII characters; one is made up otherwise): returned in the response, logged, and carried as ce_correlationid on every event the request causes',
        schema: { type: 'string', maxLength: 128 },
      })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}

/** A deployable: its root module and how it starts (each app's `service.ts`). */
export interface ServiceDefinition {
  module: Type<unknown>;
  options: ServiceStartOptions;
}

/**
 * What each main.ts runs (after startTracing): checks the configuration, creates the Nest app
 * and starts it. Start-up lines wait for the service's pino logger (startService), then go through it.
 */
export async function launchService(definition: ServiceDefinition): Promise<void> {
  exitOnInvalidConfiguration(definition.options);
  const app = await NestFactory.create(definition.module, { bufferLogs: true });
  await startService(app, definition.options);
}

/** Wires logging, HTTP, the Kafka consumer (custom eachBatch transport) and starts listening. */
export async function startService(app: INestApplication, options: ServiceStartOptions): Promise<{ url: string }> {
  const config = app.get<ServiceConfig>(SERVICE_CONFIG);
  useServiceLogging(app, options.service);
  useHttpMetrics(app, options.service);
  configureHttp(app, options);
  // The stop on a signal is bounded while the app runs (ServiceLifecycle: boundShutdown).
  app.enableShutdownHooks();
  const transport = new KafkaTransport({
    config: loadMessagingConfig(options.service),
    groupId: options.service,
    topics: subscribedTopics(options.service),
    handledTypes: handledTypes(options.service),
    // A consumer that cannot be replaced for 5 minutes will not consume again in this process:
    // stop (gracefully, within SHUTDOWN_TIMEOUT_MS) with status 1, so the supervisor restarts it.
    onUnrecoverable: (reason) => {
      new Logger(options.service).error(`${reason}; stopping so that a supervisor restarts the service`);
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    },
  });
  app.get(ConsumerRegistry).add(options.service, transport);
  app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  // HTTP first: after a crash the consumer's join waits for the dead member to be dropped (up to
  // KAFKA_REBALANCE_TIMEOUT_MS), and the API (and /health/ready, false until the consumer joins)
  // should answer meanwhile.
  await app.listen(options.port ?? config.httpPort, config.httpHost);
  await app.startAllMicroservices();
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  new Logger(options.service).log(`${options.service} listening on ${url} (OpenAPI: ${url}/docs)`);
  return { url };
}
