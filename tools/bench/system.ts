import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createKafka, groupName, MessagingAdmin, messagingConfigFromEnv } from '@cpor/messaging';
import { ClaimLedger, openMongoConnection } from '@cpor/persistence';
import { mintToken, startService, type ServiceName, type ServiceStartOptions } from '@cpor/platform';
import { CLOCK, type Clock } from '@cpor/kernel';

/**
 * The five services in this process, as test/support/system.ts boots them (test/ is not built,
 * so this is a copy of the minimum), plus what the bench needs: the apps' ledgers (for store
 * round trips) and a wait until every consumer group has joined (so start-up is not timed).
 */

const JWT_SECRET = 'cpor-bench-secret';

/** Real time plus an offset the bench grows (the 7-day consent window passes in an instant). */
export class MovableClock implements Clock {
  offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advanceDays(days: number): void {
    this.offsetMs += days * 24 * 60 * 60 * 1000;
  }
}

export interface BenchSystem {
  runId: string;
  topicPrefix: string;
  mongoDb: string;
  urls: Record<ServiceName, string>;
  clock: MovableClock;
  /** One ledger per service (each app has its own ServiceCoreModule). */
  ledgers: Array<{ service: ServiceName; ledger: ClaimLedger }>;
  token(sub: string, roles: string[], partnerId?: string): Promise<string>;
  stop(): Promise<void>;
}

interface ServiceDescriptor {
  module: unknown;
  options: ServiceStartOptions;
}

export async function startBenchSystem(): Promise<BenchSystem> {
  const runId = randomUUID().slice(0, 8);
  const topicPrefix = `bench-${runId}.`;
  const mongoDb = `cpor_bench_${runId}`;
  // The services read their configuration from the environment while their modules compile.
  // Their logs: warnings and errors only, unless asked (the benchmark prints its results on standard output).
  Object.assign(process.env, { KAFKA_TOPIC_PREFIX: topicPrefix, MONGO_DB: mongoDb, JWT_SECRET, LOG_LEVEL: process.env.LOG_LEVEL ?? (process.env.BENCH_VERBOSE ? 'info' : 'warn') });
  const clock = new MovableClock();
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
  const ledgers: BenchSystem['ledgers'] = [];
  try {
    for (const descriptor of descriptors) {
      const name = descriptor.options.service;
      const moduleRef = await Test.createTestingModule({ imports: [descriptor.module as never] })
        .overrideProvider(CLOCK)
        .useValue(clock)
        .compile();
      const app = moduleRef.createNestApplication({ logger: process.env.BENCH_VERBOSE ? ['log', 'error', 'warn'] : ['error', 'warn'] });
      apps.push(app);
      urls[name] = (await startService(app, { ...descriptor.options, port: 0 })).url;
      ledgers.push({ service: name, ledger: app.get(ClaimLedger) });
      // Notifications derive links from these public addresses (as in system.ts).
      if (name === 'consent') process.env.CONSENT_PUBLIC_BASE_URL = urls[name];
      if (name === 'intake') process.env.PARTNER_PORTAL_URL = urls[name] + '/v1';
    }
    await waitForGroups(topicPrefix, descriptors.map((d) => d.options.service));
  } catch (error) {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
    throw error;
  }

  return {
    runId,
    topicPrefix,
    mongoDb,
    urls,
    clock,
    ledgers,
    token: (sub, roles, partnerId) => mintToken(JWT_SECRET, { sub, roles, partnerId }),
    stop: async () => {
      for (const app of apps.reverse()) await app.close();
      // BENCH_KEEP=1 leaves the run's database, topics and groups for a post-mortem.
      if (process.env.BENCH_KEEP !== '1') await removeRunData(topicPrefix, mongoDb);
    },
  };
}

/** Every service's consumer group is Stable with a member: the first requests do not wait for a rebalance. */
async function waitForGroups(topicPrefix: string, services: string[]): Promise<void> {
  const admin = createKafka(messagingConfigFromEnv('cpor-bench-admin'), { quiet: true }).admin();
  await admin.connect();
  try {
    const groups = services.map((service) => groupName({ topicPrefix }, service));
    for (let tries = 0; tries < 300; tries++) {
      const { groups: described } = await admin.describeGroups(groups);
      if (described.every((group) => group.state === 'Stable' && group.members.length > 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`consumer groups ${groups.join(', ')} did not become stable within 60 s`);
  } finally {
    await admin.disconnect();
  }
}

/** A finished run leaves nothing behind: its database, topics and consumer groups are deleted. */
export async function removeRunData(topicPrefix: string, mongoDb?: string): Promise<void> {
  if (mongoDb) {
    const connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', mongoDb);
    await connection.dropDatabase();
    await connection.close();
  }
  const admin = new MessagingAdmin({ ...messagingConfigFromEnv('cpor-bench-cleanup'), topicPrefix });
  try {
    await admin.deletePrefixedTopicsAndGroups();
  } finally {
    await admin.disconnect();
  }
}
