import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { Logger as NestPinoLogger, LoggerModule, PARAMS_PROVIDER_TOKEN, PinoLogger, type Params } from 'nestjs-pino';
import type { Logger as RootLogger } from 'pino';
import { isProbePath, loggablePath } from '@cpor/kernel';
import type { Options as HttpLogOptions } from 'pino-http';
import { contextFields, createServiceLogger, logSettingsFromEnv, secretsFromEnv, STDOUT, type LogDestination, type LogSettings } from './logger.js';
import { contextOfRequest, correlationIdFor, requestContextMiddleware } from './http-context.js';

/** Nest's start-up chatter (a line per module and route): debug, not info. */
const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/**
 * Nest's `LoggerService` over the service's pino logger (nestjs-pino): `app.useLogger` makes every
 * `new Logger(name)` of ours, Nest's own and kafkajs's (libs/messaging) write through it, inside a
 * request with the request's logger.
 */
@Injectable()
export class ServiceLogger extends NestPinoLogger {
  constructor(logger: PinoLogger, @Inject(PARAMS_PROVIDER_TOKEN) params: Params) {
    super(logger, params);
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    if (BOOT_CONTEXTS.has(optionalParams.at(-1) as string)) super.debug(message, ...optionalParams);
    else super.log(message, ...optionalParams);
  }
}

/**
 * The HTTP access log (pino-http): one line per response with the method, the path (no query
 * string, no consent token), `status`, `durationMs` and the request's context (its correlation
 * id, and its claim once the ledger touched one). Lines logged while a request is handled carry
 * `req` (method and path) too. Headers and bodies are never logged.
 */
export function httpLogOptions(logger: RootLogger): HttpLogOptions<IncomingMessage, ServerResponse> {
  const urlOf = (request: IncomingMessage) => (request as { originalUrl?: string }).originalUrl ?? request.url;
  const pathOf = (request: IncomingMessage) => loggablePath(urlOf(request));
  const accessFields = (request: IncomingMessage, response: ServerResponse, durationMs: number) => ({
    ...contextFields(contextOfRequest(request), ''),
    status: response.statusCode,
    durationMs,
    ...(response.writableFinished ? {} : { aborted: true }),
  });
  return {
    logger,
    // The request id is the correlation id (the middleware has set it by then).
    genReqId: (request) => contextOfRequest(request)?.correlationId ?? correlationIdFor(request),
    serializers: {
      req: (request: { method?: string; url?: string }) => ({ method: request.method, path: loggablePath(request.url) }),
    },
    customLogLevel: (request, response, error) => {
      if (error || response.statusCode >= 500) return 'error';
      return isProbePath(urlOf(request)) ? 'silent' : 'info';
    },
    customSuccessMessage: (request, response, durationMs) => `${request.method} ${pathOf(request)} ${response.statusCode} ${durationMs} ms`,
    customErrorMessage: (request, response) => `${request.method} ${pathOf(request)} ${response.statusCode}`,
    customSuccessObject: (request, response, value: { responseTime: number }) => accessFields(request, response, value.responseTime),
    customErrorObject: (request, response, _error, value: { responseTime: number }) => accessFields(request, response, value.responseTime),
  };
}

export interface LoggingOptions {
  /** Default: from LOG_LEVEL and LOG_FORMAT. */
  settings?: LogSettings;
  /** Default: standard output. */
  destination?: LogDestination;
}

/**
 * Structured logs for one service: its pino logger, Nest's logger over it (`ServiceLogger`) and
 * the HTTP access log. Imported by ServiceCoreModule; `useServiceLogging` wires it into the app.
 */
@Module({})
export class LoggingModule {
  static forService(service: string, options: LoggingOptions = {}): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          useFactory: (): Params => ({
            pinoHttp: httpLogOptions(createServiceLogger(service, options.settings ?? logSettingsFromEnv(), options.destination ?? STDOUT, secretsFromEnv())),
            renameContext: 'context',
          }),
        }),
      ],
      providers: [ServiceLogger],
      exports: [ServiceLogger],
    };
  }
}

/**
 * Makes the app log through the service's pino logger and gives each HTTP request its context
 * (correlation id): call before the app is initialised, so the context middleware comes first.
 */
export function useServiceLogging(app: INestApplication, service: string): void {
  app.useLogger(app.get(ServiceLogger));
  app.use(requestContextMiddleware(service));
}
