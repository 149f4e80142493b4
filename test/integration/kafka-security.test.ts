// Kafka SASL and TLS against the local broker's authenticated listeners (scripts/infra.mjs:
// SASL_PLAINTEXT and SASL_SSL, PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512, a local CA). Every client is
// configured through the environment variables only (KAFKA_BROKERS, KAFKA_SASL_*, KAFKA_TLS*), as a
// service or the ops command is: the messaging seam's admin creates topics, its publisher
// publishes, its transport consumes, the ops command lists the group; a wrong password is refused
// at once with an authentication error and never appears in a log line; a broker certificate
// that the configured CAs do not vouch for is refused.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Controller, Logger, Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { TOPICS, type CloudEvent } from '@cpor/contracts';
import { KafkaPublisher, KafkaTransport, MessagingAdmin, messagingConfigFromEnv } from '@cpor/messaging';
import { EXIT } from '../../tools/ops/context.js';
import { infraEndpoints } from '../support/infra-endpoints.js';
import { runOpsCommand as ops } from '../support/ops.js';
import { waitFor } from '../support/wait-for.js';

jest.setTimeout(180_000);

const { kafka } = infraEndpoints();
const TOPIC = TOPICS.claimEvents;
const GROUP = 'it-security';
const TYPE = 'it.security.v1';
const WRONG_PASSWORD = `wrong-${randomUUID()}`;
/** How kafkajs names each mechanism in its authentication errors. */
const KAFKAJS_NAME = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM SHA256', 'scram-sha-512': 'SCRAM SHA512' } as const;

/** What the transport's handler received: event ids by subject (one subject per case). */
const received = new Map<string, string[]>();

@Controller()
class SecurityHandlers {
  @EventPattern<string>(TYPE)
  handle(@Payload() event: CloudEvent): void {
    received.set(event.subject, [...(received.get(event.subject) ?? []), event.id]);
  }
}

@Module({ controllers: [SecurityHandlers] })
class SecurityModule {}

/** Every log line of the test (Nest's, and kafkajs's through it), so none may show a password. */
const logLines: string[] = [];
const recorder: LoggerService = Object.fromEntries(
  (['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const).map((level) => [level, (...args: unknown[]) => void logLines.push(`${level} ${JSON.stringify(args)}`)]),
) as unknown as LoggerService;

const sasl = (mechanism: string, brokers: string[], password = kafka.sasl.password) => ({
  KAFKA_BROKERS: brokers.join(','),
  KAFKA_SASL_MECHANISM: mechanism,
  KAFKA_SASL_USERNAME: kafka.sasl.username,
  KAFKA_SASL_PASSWORD: password,
});
const overTls = { KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: kafka.saslSsl.caFile };

const CASES = [
  { name: 'SASL_PLAINTEXT, PLAIN', mechanism: 'plain', tls: false },
  { name: 'SASL_PLAINTEXT, SCRAM-SHA-256', mechanism: 'scram-sha-256', tls: false },
  { name: 'SASL_PLAINTEXT, SCRAM-SHA-512', mechanism: 'scram-sha-512', tls: false },
  { name: 'SASL_SSL, PLAIN (as Confluent Cloud)', mechanism: 'plain', tls: true },
  { name: 'SASL_SSL, SCRAM-SHA-512 (as Amazon MSK)', mechanism: 'scram-sha-512', tls: true },
] as const;

/** The environment of one case: the broker's listener, the mechanism and, over TLS, the local CA. */
function envOf(c: (typeof CASES)[number], prefix: string, password?: string): NodeJS.ProcessEnv {
  const listener = c.tls ? kafka.saslSsl : kafka.sasl;
  // Nothing of the process's own Kafka settings (the plaintext broker) may leak in.
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KAFKA_')));
  return { ...base, KAFKA_TOPIC_PREFIX: prefix, ...sasl(c.mechanism, listener.brokers, password), ...(c.tls ? overTls : {}), USER: 'it-security' };
}

function accepts(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('Kafka security (local broker, SASL listeners)', () => {
  beforeAll(async () => {
    Logger.overrideLogger(recorder);
    for (const address of [...kafka.sasl.brokers, ...kafka.saslSsl.brokers]) {
      if (!(await accepts(address))) {
        throw new Error(`nothing listens on ${address}: the broker lacks the SASL listeners (node scripts/infra.mjs down kafka && node scripts/infra.mjs up kafka)`);
      }
    }
  });

  afterAll(() => {
    Logger.overrideLogger(['error', 'warn']);
  });

  describe.each(CASES)('$name', (c) => {
    const prefix = `it-sec-${randomUUID().slice(0, 8)}.`;
    const env = envOf(c, prefix);
    let admin: MessagingAdmin | undefined;

    afterAll(async () => {
      await admin?.deletePrefixedTopicsAndGroups();
      await admin?.disconnect();
    });

    it('admin, publisher and transport work, configured through the environment only; the ops command lists the group', async () => {
      const config = messagingConfigFromEnv('it-security', env);
      expect(config.security).toEqual({
        sasl: { mechanism: c.mechanism, username: kafka.sasl.username, password: kafka.sasl.password },
        tls: c.tls ? { caFile: kafka.saslSsl.caFile } : undefined,
      });

      admin = new MessagingAdmin(config);
      // What counts is that the topic exists over this connection. Which call created it is not
      // asserted: on a loaded machine kafkajs retries a slow creation, and the retry finds it there.
      const created = await admin.ensureTopics([TOPIC]);
      expect(created.filter((topic) => topic !== `${prefix}${TOPIC}`)).toEqual([]);
      expect(await admin.topicOffsets(TOPIC)).toHaveLength(config.partitions ?? 3);

      const transport = new KafkaTransport({ config, groupId: GROUP, topics: [TOPIC] });
      const app = await NestFactory.createMicroservice<MicroserviceOptions>(SecurityModule, { strategy: transport, logger: recorder });
      const publisher = new KafkaPublisher(config);
      try {
        await app.listen();
        await waitFor(() => transport.health().running, { message: 'the consumer to join its group' });

        const subject = `claim-${prefix}`;
        const events = [1, 2, 3].map((n) => ({ id: `${prefix}${n}`, type: TYPE, source: '/it/security', subject, time: new Date().toISOString(), data: { n } }));
        await publisher.publish(events.map((event) => ({ topic: TOPIC, event })));
        await waitFor(() => (received.get(subject)?.length ?? 0) >= events.length, { message: `${events.length} events through ${c.name}` });
        expect([...new Set(received.get(subject))].sort()).toEqual(events.map((event) => event.id).sort());

        // The group commits its offsets right after the batch: list until it has, and no lag is left.
        type Listed = { group: string; state: string; members: number; topics: string[]; totalLag: number };
        const groups = await waitFor(
          async () => {
            const listed = await ops(env, 'groups', 'list', '--json');
            if (listed.code !== EXIT.ok) throw new Error(`ops exited ${listed.code}: ${listed.stderr}`);
            const rows = JSON.parse(listed.stdout).groups as Listed[];
            return rows.some((row) => row.topics.length > 0 && row.totalLag === 0) && rows;
          },
          { message: `the ops command to list ${GROUP} with its committed offsets` },
        );
        expect(groups).toEqual([expect.objectContaining({ group: GROUP, state: 'Stable', members: 1, topics: [`${prefix}${TOPIC}`], totalLag: 0 })]);
      } finally {
        await app.close();
        await publisher.disconnect();
      }
    });

    it('a wrong password is refused at once, with an authentication error, by every client, and is never logged', async () => {
      const wrong = envOf(c, prefix, WRONG_PASSWORD);
      const config = messagingConfigFromEnv('it-security-wrong', wrong);
      const authError = new RegExp(`SASL ${KAFKAJS_NAME[c.mechanism]} authentication failed`);
      const started = Date.now();

      const wrongAdmin = new MessagingAdmin(config);
      await expect(wrongAdmin.ensureTopics([TOPIC])).rejects.toThrow(authError);
      await wrongAdmin.disconnect();

      const publisher = new KafkaPublisher(config);
      await expect(publisher.connect()).rejects.toThrow(authError);
      await publisher.disconnect();

      // A service with a wrong password does not start (its transport's listen fails).
      const transport = new KafkaTransport({ config, groupId: GROUP, topics: [TOPIC] });
      const app = await NestFactory.createMicroservice<MicroserviceOptions>(SecurityModule, { strategy: transport, logger: recorder });
      await expect(app.listen()).rejects.toThrow(authError);
      await app.close();

      const listed = await ops(wrong, 'groups', 'list');
      expect(listed.code).toBe(EXIT.failure);
      expect(listed.stderr).toMatch(authError);

      // Each refusal came from the broker's answer, not from a timeout (kafkajs does not retry them).
      expect(Date.now() - started).toBeLessThan(20_000);
      const leaks = [...logLines, listed.stdout, listed.stderr].filter((line) => line.includes(WRONG_PASSWORD) || line.includes(kafka.sasl.password));
      expect(leaks).toEqual([]);
      expect(logLines.some((line) => authError.test(line))).toBe(true);
    });
  });

  it("TLS verifies the broker's certificate: without the local CA file (the system's CAs only) the connection is refused", async () => {
    const env = envOf(CASES[4], `it-sec-${randomUUID().slice(0, 8)}.`);
    delete env.KAFKA_TLS_CA_FILE;
    const admin = new MessagingAdmin(messagingConfigFromEnv('it-security-untrusted', env));
    try {
      await expect(admin.ensureTopics([TOPIC])).rejects.toThrow(/self-signed certificate in certificate chain/);
    } finally {
      await admin.disconnect();
    }
  });
});
