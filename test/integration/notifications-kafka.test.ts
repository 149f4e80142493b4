// The notifications service as it runs (Nest module, custom Kafka transport, sender loop) against
// the real local servers: lifecycle events published to cpor.claim-events.v1 become emails in
// Mailpit, once each, even when the same event is published twice. Topics are prefixed and the
// database is unique per run, so runs never see each other's data.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { EVENT_TYPES, TOPICS } from '@cpor/contracts';
import { startService } from '@cpor/platform';
import { TestKafkaClient } from '../support/kafka-client.js';
import { listMessages, getMessage, type MailMessage } from '../support/mailbox.js';

jest.setTimeout(120_000);

const RUN = randomUUID().slice(0, 8);
const TOPIC_PREFIX = `it-notifications-${RUN}.`;
const MONGO_DB = `it_notifications_kafka_${RUN}`;
const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';

let app: INestApplication | undefined;
let kafka: TestKafkaClient;

beforeAll(async () => {
  Object.assign(process.env, {
    KAFKA_TOPIC_PREFIX: TOPIC_PREFIX,
    MONGO_DB,
    POLL_INTERVAL_MS: '100',
    NOTIFICATION_RETRY_BASE_MS: '200',
    PARTNER_PORTAL_URL: 'https://partner.cpor.example',
  });
  const { notificationsService } = await import('../../apps/notifications/src/service.js');
  const moduleRef = await Test.createTestingModule({ imports: [notificationsService.module] }).compile();
  app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  await startService(app, { ...notificationsService.options, port: 0 });
  kafka = new TestKafkaClient(TOPIC_PREFIX);
  await kafka.connect();
});

afterAll(async () => {
  await kafka?.disconnect();
  await app?.close();
  const client = new MongoClient(MONGO_URL);
  await client.connect();
  await client.db(MONGO_DB).dropDatabase().catch(() => undefined);
  await client.close();
});

async function mailTo(address: string): Promise<MailMessage[]> {
  const summaries = (await listMessages()).filter((m) => m.to.includes(address));
  return Promise.all(summaries.map((s) => getMessage(s.id)));
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('notifications service on Kafka', () => {
  it('turns lifecycle events into emails, once per event and recipient, however often the event arrives', async () => {
    const { SAMPLE_CLAIM } = await import('../../apps/notifications/src/testing/sample-events.js');
    const partnerEmail = `partner-${RUN}@contoso.example`;
    const customerEmail = `customer-${RUN}@fabrikam.example`;
    const claim = {
      ...SAMPLE_CLAIM,
      id: randomUUID(),
      status: 'Approved',
      statusEpoch: 6,
      partnerContact: { name: 'Ada Lovelace', email: partnerEmail },
      customerContact: { name: 'Grace Hopper', email: customerEmail },
    };
    const data = (fields: Record<string, unknown>, actor = { kind: 'system', id: 'cpor' }) => ({ ...fields, claimId: claim.id, status: claim.status, actor, claim });
    const consent = { id: randomUUID(), type: EVENT_TYPES.consentRequested, subject: claim.id, data: data({ deadline: '2031-06-12T14:00:00.000Z' }) };
    const partnerComment = { id: randomUUID(), type: EVENT_TYPES.commented, subject: claim.id, data: data({ text: 'hi' }, { kind: 'partner', id: 'p' }) };
    const notForUs = { id: randomUUID(), type: EVENT_TYPES.edited, subject: claim.id, data: data({}) };

    // The same event twice (a producer retry, a replay), plus events that send nothing.
    for (const event of [consent, partnerComment, notForUs, consent]) await kafka.sendEvent(TOPICS.claimEvents, event);

    const [customerMail] = await until(async () => {
      const found = await mailTo(customerEmail);
      return found.length > 0 ? found : undefined;
    }, 'the consent email');
    expect(customerMail.text).toContain('/v1/consent/');
    await until(async () => ((await mailTo(partnerEmail)).length > 0 ? true : undefined), 'the approval email');

    // Give a duplicate every chance to show up, then count.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await mailTo(customerEmail)).length).toBe(1);
    const partnerMail = await mailTo(partnerEmail);
    expect(partnerMail.map((m) => m.subject)).toEqual([`Approved: CPOR claim ${claim.id} for Fabrikam Ltd`]);
    expect(partnerMail[0].text).toContain(`https://partner.cpor.example/claims/${claim.id}`);

    const client = new MongoClient(MONGO_URL);
    await client.connect();
    try {
      const rows = await client.db(MONGO_DB).collection('deliveries').find({}).project({ template: 1, status: 1 }).toArray();
      expect(rows.map((r) => `${r.template}:${r.status}`).sort()).toEqual(['claim-approved:sent', 'consent-request:sent']);
    } finally {
      await client.close();
    }
  });
});
