import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CLOCK, mintToken, startService, type ServiceName, type ServiceStartOptions } from '../../libs/platform/src/index.js';
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
  token(claims: { sub?: string; roles: string[]; partnerId?: string }, expiresIn?: string | number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Boots the five services in this process exactly as `main.ts` does (HTTP on a free port, the
 * Kafka transport, the outbox relay, pollers), against the real local servers, with a movable
 * clock. Each run gets its own topics and database, so runs never see each other's data.
 * Tests then talk to it only through HTTP, Kafka and the SMTP server's API.
 */
export async function startSystem(overrides: Record<string, string> = {}): Promise<RunningSystem> {
  const runId = randomUUID().slice(0, 8);
  const topicPrefix = `e2e-${runId}.`;
  const mongoDb = `cpor_e2e_${runId}`;
  Object.assign(process.env, {
    KAFKA_TOPIC_PREFIX: topicPrefix,
    MONGO_DB: mongoDb,
    JWT_SECRET: TEST_JWT_SECRET,
    POLL_INTERVAL_MS: '100',
    NOTIFICATION_RETRY_BASE_MS: '200',
    ...overrides,
  });
  const clock = new ManualClock();
  const [{ intakeService }, { reviewService }, { consentService }, { eligibilityService }, { notificationsService }] = await Promise.all([
    import('../../apps/intake/src/service.js'),
    import('../../apps/review/src/service.js'),
    import('../../apps/consent/src/service.js'),
    import('../../apps/eligibility/src/service.js'),
    import('../../apps/notifications/src/service.js'),
  ]);
  const descriptors: ServiceDescriptor[] = [intakeService, reviewService, consentService, eligibilityService, notificationsService];
  const apps: INestApplication[] = [];
  const urls = {} as Record<ServiceName, string>;
  try {
    for (const descriptor of descriptors) {
      const moduleRef = await Test.createTestingModule({ imports: [descriptor.module as never] })
        .overrideProvider(CLOCK)
        .useValue(clock)
        .compile();
      const app = moduleRef.createNestApplication({ logger: process.env.E2E_VERBOSE ? ['log', 'error', 'warn'] : ['error', 'warn'] });
      apps.push(app);
      const { url } = await startService(app, { ...descriptor.options, port: 0 });
      urls[descriptor.options.service] = url;
      // Notifications derive the customer's link from consent's public address.
      if (descriptor.options.service === 'consent') process.env.CONSENT_PUBLIC_BASE_URL = url;
      if (descriptor.options.service === 'intake') process.env.PARTNER_PORTAL_URL = url + '/v1';
    }
  } catch (error) {
    await Promise.allSettled(apps.map((app) => app.close()));
    throw error;
  }
  return {
    urls,
    clock,
    topicPrefix,
    mongoDb,
    runId,
    token: (claims, expiresIn) => mintToken(TEST_JWT_SECRET, { sub: claims.sub ?? `user-${runId}`, roles: claims.roles, partnerId: claims.partnerId }, expiresIn),
    stop: async () => {
      for (const app of apps.reverse()) await app.close();
    },
  };
}
