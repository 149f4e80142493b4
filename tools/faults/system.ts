import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { subscribedTopics, TOPICS, type SubscribingService } from '@cpor/contracts';
import { MessagingAdmin, messagingConfigFromEnv } from '@cpor/messaging';
import { mintToken } from '@cpor/platform';
import { runOps } from '../ops/cli.js';
import { serverContext } from '../ops/servers.js';
import type { DriverSystem } from './driver.js';
import { Mailpit } from './mailpit.js';
import { StoreReader } from './observe.js';
import { SERVICES, ServiceFleet, type Service } from './services.js';
import type { Stack } from './stack.js';

/**
 * One system under test: the five services as processes on one stack, with a topic prefix, a
 * database, secrets and mail addresses of its own (so nothing of an earlier run, or of another
 * user of the servers, is mixed into what the checker reads).
 */

/** The services' ports: `FAULTS_SERVICE_PORT` (default 4101) for intake and the next four for the others (a second instance listens 10 above). */
export function servicePorts(env: NodeJS.ProcessEnv): Record<Service, number> {
  const first = env.FAULTS_SERVICE_PORT ? Number(env.FAULTS_SERVICE_PORT) : 4101;
  return Object.fromEntries(SERVICES.map((service, index) => [service, first + index])) as Record<Service, number>;
}
const PARTNERS = 20;
const REVIEWERS = 8;

export interface FaultSystem {
  runId: string;
  tag: string;
  topicPrefix: string;
  mongoDb: string;
  fleet: ServiceFleet;
  admin: MessagingAdmin;
  store: StoreReader;
  mail: Mailpit;
  driverSystem: DriverSystem;
  partnerIds: string[];
  reviewersEmail: string;
  opsEmail: string;
  /** Runs an ops command (tools/ops) on this system; answers its JSON output. */
  ops(argv: string[]): Promise<any>;
  /** Total lag of every service's group on its topics (null when the broker cannot say). */
  lag(): Promise<number | null>;
  /** Stops the services; with `removeData`, deletes the topics, groups, database and emails of the run. */
  stop(removeData: boolean): Promise<void>;
}

export async function startFaultSystem(root: string, stack: Stack, logDir: string, log: (line: string) => void): Promise<FaultSystem> {
  const runId = randomUUID().slice(0, 8);
  const tag = `f${runId}`;
  const topicPrefix = `faults-${runId}.`;
  const mongoDb = `cpor_faults_${runId}`;
  const jwtSecret = randomBytes(32).toString('hex');
  const endpoints = stack.endpoints;
  const reviewersEmail = `reviewers-${tag}@cpor-ops.example`;
  const opsEmail = `ops-${tag}@cpor-ops.example`;
  const ports = servicePorts(process.env);
  const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s]}`])) as Record<Service, string>;
  const env: Record<string, string> = {
    ...(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<string, string>),
    NODE_ENV: 'development',
    HTTP_HOST: '127.0.0.1',
    INTAKE_PORT: String(ports.intake),
    REVIEW_PORT: String(ports.review),
    CONSENT_PORT: String(ports.consent),
    ELIGIBILITY_PORT: String(ports.eligibility),
    NOTIFICATIONS_PORT: String(ports.notifications),
    MONGO_URL: endpoints.mongoUrl,
    MONGO_DB: mongoDb,
    KAFKA_BROKERS: endpoints.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(endpoints.smtpPort),
    JWT_SECRET: jwtSecret,
    CONSENT_LINK_SECRET: randomBytes(32).toString('hex'),
    CONSENT_PUBLIC_BASE_URL: urls.consent,
    PARTNER_PORTAL_URL: `${urls.intake}/v1`,
    REVIEWERS_EMAIL: reviewersEmail,
    OPS_EMAIL: opsEmail,
    CLOCK_CONTROL: 'on',
    // Deadline polls more often than the default 2 s (the suite waits on them; the outbox relay and
    // the mail sender are nudged when work arrives, so their default 250 ms stays: shorter polls
    // of five processes contending for their leases load a 2-core machine), and retries and leases
    // short enough that recovery measures the system rather than one long backoff (docs/faults.md).
    DEADLINE_POLL_INTERVAL_MS: '500',
    NOTIFICATION_LEASE_MS: '30000',
    NOTIFICATION_RETRY_MAX_MS: '30000',
    SHUTDOWN_TIMEOUT_MS: '20000',
    LOG_LEVEL: process.env.FAULTS_SERVICE_LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
  };
  // Another run's service on one of these ports would answer in this one's place (with other secrets).
  for (const port of SERVICES.flatMap((service) => [ports[service], ports[service] + 10])) {
    if (await stack.listening(port)) throw new Error(`port ${port} is already taken by another process: another fault-suite run? FAULTS_SERVICE_PORT moves the services' ports`);
  }
  const fleet = new ServiceFleet(root, env, ports, path.join(logDir, runId), log);
  const kafkaEnv = { ...env, USER: 'cpor-faults' };
  const admin = new MessagingAdmin(messagingConfigFromEnv('cpor-faults', kafkaEnv));
  const mail = new Mailpit(endpoints.mailUrl);

  log(`system ${runId}: topics ${topicPrefix}*, database ${mongoDb}, services on ${ports.intake}-${ports.notifications}, logs ${path.join(logDir, runId)}`);
  try {
    await fleet.startAll();
    await fleet.waitAllReady();
  } catch (error) {
    fleet.killAllNow();
    throw error;
  }
  const store = await StoreReader.connect(endpoints.mongoUrl, mongoDb);

  const partnerIds = Array.from({ length: PARTNERS }, (_, i) => `fp-${runId}-${i}`);
  const tokens = new Map<string, Promise<string>>();
  const token = (sub: string, roles: string[], partnerId?: string) => {
    const key = `${sub}|${partnerId ?? ''}`;
    if (!tokens.has(key)) tokens.set(key, mintToken(jwtSecret, { sub, roles, partnerId }, '48h'));
    return tokens.get(key)!;
  };

  const ops = async (argv: string[]): Promise<any> => {
    let out = '';
    let err = '';
    const { context, close } = serverContext(kafkaEnv, { stdout: (text) => (out += text), stderr: (text) => (err += text), stderrIsTTY: false });
    try {
      const code = await runOps(argv, context);
      if (code !== 0) throw new Error(`ops ${argv.join(' ')}: exit ${code}: ${err.trim() || out.trim()}`);
      return out.trim() ? JSON.parse(out) : {};
    } finally {
      await close();
    }
  };

  return {
    runId,
    tag,
    topicPrefix,
    mongoDb,
    fleet,
    admin,
    store,
    mail,
    partnerIds,
    reviewersEmail,
    opsEmail,
    ops,
    driverSystem: {
      urls: { intake: urls.intake, review: urls.review, consent: urls.consent },
      partnerToken: (partnerId) => token(`partner-user-${partnerId}`, ['incentives-admin'], partnerId),
      reviewerToken: (index) => token(`reviewer-${runId}-${index}`, ['poe-reviewer']),
      opsToken: () => token(`operator-${runId}`, ['cpor-ops']),
      mail,
      publishRequest: (record) => admin.publishRaw([{ topic: TOPICS.claimRequests, ...record }]),
      tag,
      partnerIds,
      reviewers: REVIEWERS,
    },
    async lag() {
      try {
        let total = 0;
        for (const service of SERVICES) {
          const rows = await admin.consumerLag(service, subscribedTopics(service as SubscribingService));
          if (rows.length === 0) return null;
          total += rows.reduce((sum, row) => sum + row.lag, 0);
        }
        return total;
      } catch {
        return null;
      }
    },
    async stop(removeData) {
      await fleet.stopAll();
      await store.close();
      if (removeData) {
        const reader = await StoreReader.connect(endpoints.mongoUrl, mongoDb).catch(() => undefined);
        await reader?.db.dropDatabase().catch(() => undefined);
        await reader?.close();
        await admin.deletePrefixedTopicsAndGroups().catch((error) => log(`could not delete the run's topics: ${(error as Error).message}`));
        await mail.deleteMatching(tag).catch(() => undefined);
      }
      await admin.disconnect().catch(() => undefined);
    },
  };
}
