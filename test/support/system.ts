import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mintToken, startService, type ServiceName, type ServiceStartOptions } from '@cpor/platform';
import { CLOCK } from '@cpor/kernel';
import { MessagingAdmin, messagingConfigFromEnv } from '@cpor/messaging';
import { openMongoConnection } from '@cpor/persistence';
import { ManualClock } from './manual-clock.js';

export const TEST_JWT_SECRET = 'cpor-test-secret';

interface ServiceDescriptor {
  module: unknown;
  options: ServiceStartOptions;
}

export interface RunningSystem {
  /** Base URL of each service's HTTP API. */
  urls: Record<ServiceName, string>;
  clock: ManualClock;
  /** Kafka topic prefix isolating this run: physical topic = prefix + logical name. */
  topicPrefix: string;
  mongoDb: string;
  /** Run id, handy for unique email addresses and partner ids. */
  runId: string;
  token(claims: { sub?: string; roles: string[]; partnerId?: string; partnerName?: string }, expiresIn?: string | number): Promise<string>;
  /**
   * Stops one service as if its only instance were shut down (HTTP, Kafka consumer, outbox relay,
   * pollers, SMTP sender); its consumer group is left with no member. The others keep running.
   */
  stopService(name: ServiceName): Promise<void>;
  /**
   * Starts a stopped service again, in the same run (same topics, database and clock) and on the
   * same port, so `urls` stay valid. `env` applies to this start only (e.g. `{ SMTP_PORT: '1' }`).
   */
  startService(name: ServiceName, env?: Record<string, string>): Promise<void>;
  /** Whether a service is running (not stopped with `stopService`). */
  isRunning(name: ServiceName): boolean;
  stop(): Promise<void>;
}

/**
 * Boots the five services in this process exactly as `main.ts` does (HTTP on a free port, the
 * Kafka transport, the outbox relay, pollers), against the real local servers, with a movable
 * clock. Each run gets its own topics and database, so runs never see each other's data.
 * Tests then talk to it only through HTTP, Kafka and the SMTP server's API.
 */
export async function startSystem(overrides: Record<string, string> = {}, options: { clock?: 'manual' | 'controlled' } = {}): Promise<RunningSystem> {
  const controlled = options.clock === 'controlled';
  const runId = randomUUID().slice(0, 8);
  const topicPrefix = `e2e-${runId}.`;
  const mongoDb = `cpor_e2e_${runId}`;
  /** What this run puts into the environment: re-applied when a service restarts (another run may have changed it since). */
  const runEnv: Record<string, string> = {
    KAFKA_TOPIC_PREFIX: topicPrefix,
    MONGO_DB: mongoDb,
    JWT_SECRET: TEST_JWT_SECRET,
    POLL_INTERVAL_MS: '100',
    DEADLINE_POLL_INTERVAL_MS: '100',
    NOTIFICATION_RETRY_BASE_MS: '200',
    ...(controlled ? { CLOCK_CONTROL: 'on' } : {}),
    // The services' logs (pino): warnings and errors unless asked (test/support/global-setup.js).
    LOG_LEVEL: process.env.LOG_LEVEL ?? (process.env.E2E_VERBOSE ? 'info' : 'warn'),
    ...overrides,
  };
  Object.assign(process.env, runEnv);
  const clock = new ManualClock();
  const [{ intakeService }, { reviewService }, { consentService }, { eligibilityService }, { notificationsService }] = await Promise.all([
    import('../../apps/intake/src/service.js'),
    import('../../apps/review/src/service.js'),
    import('../../apps/consent/src/service.js'),
    import('../../apps/eligibility/src/service.js'),
    import('../../apps/notifications/src/service.js'),
  ]);
  const descriptors: ServiceDescriptor[] = [intakeService, reviewService, consentService, eligibilityService, notificationsService];
  const byName = new Map(descriptors.map((descriptor) => [descriptor.options.service, descriptor]));
  /** Running apps in start order (stopped in reverse). */
  const apps = new Map<ServiceName, INestApplication>();
  const urls = {} as Record<ServiceName, string>;

  async function boot(descriptor: ServiceDescriptor, port: number): Promise<string> {
    // The manual clock, or (controlled) each service's own controlled business clock, moved over HTTP.
    const testing = Test.createTestingModule({ imports: [descriptor.module as never] });
    const moduleRef = await (controlled ? testing : testing.overrideProvider(CLOCK).useValue(clock)).compile();
    const app = moduleRef.createNestApplication({ logger: process.env.E2E_VERBOSE ? ['log', 'error', 'warn'] : ['error', 'warn'] });
    apps.set(descriptor.options.service, app);
    const { url } = await startService(app, { ...descriptor.options, port });
    return url;
  }

  try {
    for (const descriptor of descriptors) {
      const name = descriptor.options.service;
      urls[name] = await boot(descriptor, 0);
      // Notifications derive the customer's link from consent's public address.
      if (name === 'consent') runEnv.CONSENT_PUBLIC_BASE_URL = process.env.CONSENT_PUBLIC_BASE_URL = urls[name];
      // Unless a portal is running (the browser test): then claim links lead to its pages.
      if (name === 'intake' && !overrides.PARTNER_PORTAL_URL) runEnv.PARTNER_PORTAL_URL = process.env.PARTNER_PORTAL_URL = urls[name] + '/v1';
    }
  } catch (error) {
    await Promise.allSettled([...apps.values()].map((app) => app.close()));
    throw error;
  }

  async function stopService(name: ServiceName): Promise<void> {
    const app = apps.get(name);
    if (!app) throw new Error(`${name} is not running`);
    apps.delete(name);
    await app.close();
  }

  async function restartService(name: ServiceName, env: Record<string, string> = {}): Promise<void> {
    if (apps.has(name)) throw new Error(`${name} is already running; stopService('${name}') first`);
    const descriptor = byName.get(name)!;
    const port = Number(new URL(urls[name]).port);
    const applied = { ...runEnv, ...env };
    const saved = Object.fromEntries(Object.keys(applied).map((key) => [key, process.env[key]]));
    Object.assign(process.env, applied);
    try {
      // Configuration is read while the module compiles and the service starts; after that the env is restored.
      await boot(descriptor, port);
    } catch (error) {
      const app = apps.get(name);
      apps.delete(name);
      await app?.close().catch(() => undefined);
      throw error;
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }

  return {
    urls,
    clock,
    topicPrefix,
    mongoDb,
    runId,
    token: (claims, expiresIn) => mintToken(TEST_JWT_SECRET, { ...claims, sub: claims.sub ?? `user-${runId}` }, expiresIn),
    stopService,
    startService: restartService,
    isRunning: (name) => apps.has(name),
    stop: async () => {
      for (const app of [...apps.values()].reverse()) await app.close();
      apps.clear();
      await removeRunData(topicPrefix, mongoDb);
    },
  };
}

/** A finished run leaves nothing behind: its database, topics and consumer groups are deleted. */
export async function removeRunData(topicPrefix: string, mongoDb: string): Promise<void> {
  const connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', mongoDb);
  await connection.dropDatabase();
  await connection.close();
  const admin = new MessagingAdmin({ ...messagingConfigFromEnv('cpor-tests-cleanup'), topicPrefix });
  try {
    await admin.deletePrefixedTopicsAndGroups();
  } finally {
    await admin.disconnect();
  }
}
