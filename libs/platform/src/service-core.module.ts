import { Inject, Injectable, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { type StoreConnection, BusinessClockRepository, businessClockMoveModel, claimModel, IdempotentAnswerRepository, idempotentAnswerModel, ClaimLedger, claimTransitionModel, OutboxRelay, LeaseStore, leaseModel, openMongoConnection, readOutboxBacklog } from '@cpor/persistence';
import { collectDefaultMetrics } from 'prom-client';
import { BusinessCalendar } from '@cpor/domain';
import { subscribedTopics } from '@cpor/contracts';
import { KafkaPublisher, loadMessagingConfig, MessagingAdmin } from '@cpor/messaging';
import { AuthGuard } from './auth/auth.guard.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { CLOCK, SystemClock, type Clock } from '@cpor/kernel';
import { stopTracing } from '@cpor/tracing';
import { ClockController } from './clock/clock.controller.js';
import { ControlledClock } from './clock/controlled-clock.js';
import { ConsumerRegistry } from './consumer-registry.js';
import { LoggingModule } from './logging/logging.module.js';
import { ServiceMetrics } from './metrics/service-metrics.js';
import { ServiceErrorFilter } from './service-error.filter.js';
import { ReadTimeoutInterceptor } from './http/read-timeout.js';
import { OpsController } from './ops.controller.js';
import { loadServiceConfig, SERVICE_CONFIG, type ServiceConfig, type ServiceName } from './service-config.js';
import { MONGO_CONNECTION } from './tokens.js';
import { boundShutdown } from './shutdown-bound.js';

let defaultMetricsCollected = false;

/**
 * Starts the relay once the app is up; stops background work before connections close. Bounds
 * the stop on SIGTERM/SIGINT while the app runs (boundShutdown), and takes that bound's signal
 * listeners away when the app closes, with a signal or without one (tests and the benchmark
 * start and close services again and again in one process).
 */
@Injectable()
export class ServiceLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private unbound: () => void = () => undefined;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly publisher: KafkaPublisher,
    @Inject(MONGO_CONNECTION) private readonly connection: StoreConnection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.unbound = boundShutdown(this.config.service, this.config.shutdownTimeoutMs);
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  /**
   * Runs after Nest has closed the Kafka consumer (in-flight batches finished, offsets committed):
   * relay what those batches committed, then close the connections. What cannot be relayed now
   * stays pending for the next relay (the process's stop is bounded; see boundShutdown).
   */
  async onApplicationShutdown(): Promise<void> {
    this.unbound();
    await this.relay.relayOnce().catch(() => undefined);
    await this.relay.stop();
    if (this.clock instanceof ControlledClock) this.clock.stop();
    await this.publisher.disconnect();
    await this.connection.close();
    // Last: the spans of all the above, exported (bounded) before the process exits.
    await stopTracing();
  }
}

/**
 * The chassis every service imports once: configuration, structured logs, clock, MongoDB, the
 * claim ledger and its outbox relay, the Kafka publisher, authentication, error mapping, health
 * and metrics.
 */
@Module({})
export class ServiceCoreModule {
  static forService(service: ServiceName): DynamicModule {
    if (!defaultMetricsCollected) {
      collectDefaultMetrics();
      defaultMetricsCollected = true;
    }
    return {
      global: true,
      module: ServiceCoreModule,
      // Terminus without its own error log: a failed check is the 503 answer itself (and the consumer logs why).
      imports: [LoggingModule.forService(service), TerminusModule.forRoot({ logger: false })],
      controllers: [OpsController, ClockController],
      providers: [
        { provide: SERVICE_CONFIG, useFactory: () => loadServiceConfig(service) },
        {
          // The wall clock, or with CLOCK_CONTROL=on (never in production) the controlled business clock.
          provide: CLOCK,
          useFactory: async (connection: StoreConnection, config: ServiceConfig): Promise<Clock> => {
            if (!config.clockControl) return new SystemClock();
            const clock = new ControlledClock(new BusinessClockRepository(businessClockMoveModel(connection)));
            await clock.start();
            return clock;
          },
          inject: [MONGO_CONNECTION, SERVICE_CONFIG],
        },
        {
          provide: BusinessCalendar,
          useFactory: (config: ServiceConfig) => new BusinessCalendar(config.calendar),
          inject: [SERVICE_CONFIG],
        },
        {
          provide: MONGO_CONNECTION,
          useFactory: (config: ServiceConfig) => openMongoConnection(config.mongoUrl, config.mongoDb, config.mongoServerSelectionTimeoutMs),
          inject: [SERVICE_CONFIG],
        },
        {
          provide: KafkaPublisher,
          useFactory: async () => {
            const publisher = new KafkaPublisher(loadMessagingConfig(service));
            await publisher.connect();
            return publisher;
          },
        },
        {
          provide: LeaseStore,
          useFactory: (connection: StoreConnection) => new LeaseStore(leaseModel(connection)),
          inject: [MONGO_CONNECTION],
        },
        {
          provide: OutboxRelay,
          useFactory: (connection: StoreConnection, leases: LeaseStore, publisher: KafkaPublisher, config: ServiceConfig) =>
            new OutboxRelay(claimTransitionModel(connection), leases, publisher, { intervalMs: config.pollIntervalMs }),
          inject: [MONGO_CONNECTION, LeaseStore, KafkaPublisher, SERVICE_CONFIG],
        },
        {
          provide: ClaimLedger,
          useFactory: (connection: StoreConnection, clock: Clock, calendar: BusinessCalendar, relay: OutboxRelay) =>
            new ClaimLedger(claimModel(connection), claimTransitionModel(connection), clock, calendar, `cpor/${service}`, () => relay.nudge()),
          inject: [MONGO_CONNECTION, CLOCK, BusinessCalendar, OutboxRelay],
        },
        {
          provide: IdempotentAnswerRepository,
          useFactory: (connection: StoreConnection) => new IdempotentAnswerRepository(idempotentAnswerModel(connection)),
          inject: [MONGO_CONNECTION],
        },
        {
          provide: TokenVerifier,
          useFactory: (config: ServiceConfig) => new TokenVerifier(config.auth),
          inject: [SERVICE_CONFIG],
        },
        {
          // Gauges refreshed from the store and the broker while scraped (the services add their own: deadlines, emails).
          provide: ServiceMetrics,
          useFactory: (connection: StoreConnection, clock: Clock) => {
            const metrics = new ServiceMetrics(service);
            metrics.watchOutbox(() => readOutboxBacklog(claimTransitionModel(connection)), clock);
            const messaging = loadMessagingConfig(service);
            const admin = new MessagingAdmin({ ...messaging, clientId: `${messaging.clientId}-metrics` });
            metrics.watchConsumer(admin, messaging, service, subscribedTopics(service));
            metrics.onClose(() => admin.disconnect());
            return metrics;
          },
          inject: [MONGO_CONNECTION, CLOCK],
        },
        ConsumerRegistry,
        ServiceLifecycle,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ServiceErrorFilter },
        { provide: APP_INTERCEPTOR, useClass: ReadTimeoutInterceptor },
      ],
      exports: [SERVICE_CONFIG, CLOCK, IdempotentAnswerRepository, LeaseStore, BusinessCalendar, MONGO_CONNECTION, KafkaPublisher, ClaimLedger, OutboxRelay, ConsumerRegistry, TokenVerifier, ServiceMetrics],
    };
  }
}
