// Notifications against the real local servers: the MongoDB-wire store (FerretDB at 127.0.0.1:27017
// unless MONGO_URL says otherwise) and Mailpit (SMTP 127.0.0.1:1025 unless SMTP_HOST/SMTP_PORT say
// otherwise, HTTP API at MAIL_HTTP_URL). Kafka is not involved: events are handed to the service
// as the consumer would. Each run uses its own database and its own recipient addresses, so
// nothing here depends on (or deletes) other tests' mail.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { DeliverySender } from '../../apps/notifications/src/deliveries/delivery-sender.js';
import { DeliveryRepository, deliveryModel, type Delivery, openMongoConnection } from '@cpor/persistence';
import { SmtpMailer, type SmtpSettings } from '@cpor/mail';
import { NotificationService } from '../../apps/notifications/src/notification.service.js';
import { SAMPLE_CONTEXT, sampleEvent } from '../../apps/notifications/src/testing/sample-events.js';
import { TemplateRenderer } from '../../apps/notifications/src/templates/template-renderer.js';
import { type ClaimState } from '@cpor/domain';
import { EVENT_TYPES } from '@cpor/contracts';
import { listMessages, getMessage, mailBaseUrl, type MailMessage } from '../support/mailbox.js';

jest.setTimeout(90_000);

const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const MONGO_DB = `it_notifications_${randomUUID().slice(0, 8)}`;
const RUN = randomUUID().slice(0, 8);
const MAILPIT: SmtpSettings = {
  host: process.env.SMTP_HOST ?? '127.0.0.1',
  port: Number(process.env.SMTP_PORT ?? 1025),
  secure: false,
  from: 'CPOR Claims <no-reply@cpor.local>',
};
const FAST_RETRY = { intervalMs: 50, batchSize: 50, concurrency: 4, leaseMs: 30_000, retryBaseMs: 50, retryMaxMs: 200 };
const clock = { now: () => new Date() };

let connection: Connection;
let deliveries: DeliveryRepository;
let service: NotificationService;
const mailers: SmtpMailer[] = [];

beforeAll(async () => {
  connection = await openMongoConnection(MONGO_URL, MONGO_DB);
  await deliveryModel(connection).init();
  deliveries = DeliveryRepository.forConnection(connection);
  const renderer = new TemplateRenderer(path.resolve(process.cwd(), 'apps/notifications/templates'), { strict: true });
  service = new NotificationService(deliveries, renderer, SAMPLE_CONTEXT, clock);
});

afterAll(async () => {
  for (const mailer of mailers) mailer.close();
  await connection?.dropDatabase().catch(() => undefined);
  await connection?.close();
});

function mailer(settings: SmtpSettings): SmtpMailer {
  const created = new SmtpMailer(settings);
  mailers.push(created);
  return created;
}

/** A claim whose contacts are unique to this test, so Mailpit can be filtered on them. */
function claimFor(label: string): Partial<ClaimState> {
  return {
    status: 'Approved',
    statusEpoch: 6,
    partnerContact: { name: 'Ada Lovelace', email: `partner-${label}-${RUN}@contoso.example` },
    customerContact: { name: 'Grace Hopper', email: `customer-${label}-${RUN}@fabrikam.example` },
  };
}

function consentRequested(label: string) {
  return sampleEvent(EVENT_TYPES.consentRequested, { deadline: '2031-06-12T14:00:00.000Z' }, claimFor(label));
}

/** Every message in Mailpit addressed to one of `addresses`. */
async function mailTo(addresses: string[]): Promise<MailMessage[]> {
  const wanted = new Set(addresses.map((a) => a.toLowerCase()));
  const summaries = (await listMessages()).filter((m) => m.to.some((to) => wanted.has(to.toLowerCase())));
  return Promise.all(summaries.map((s) => getMessage(s.id)));
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A port nothing listens on: bind an ephemeral one and close it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function messageIdOf(mailpitId: string): Promise<string> {
  const response = await fetch(`${mailBaseUrl()}/api/v1/message/${encodeURIComponent(mailpitId)}`);
  return ((await response.json()) as { MessageID: string }).MessageID;
}

describe('notifications: exactly once per event and recipient', () => {
  it('an event handled twice (replay, duplicate delivery) queues and sends each email once', async () => {
    const event = consentRequested('dup');
    expect(await service.record(event)).toEqual({ created: 2, existing: 0 });
    expect(await service.record(event)).toEqual({ created: 0, existing: 2 });
    expect(await service.record(structuredClone(event))).toEqual({ created: 0, existing: 2 });

    const rows = await deliveries.findByEvent(event.id);
    expect(rows.map((r) => [r.template, r.role, r.status])).toEqual([
      ['claim-approved', 'partner', 'pending'],
      ['consent-request', 'customer', 'pending'],
    ]);

    const sender = new DeliverySender(deliveries, mailer(MAILPIT), FAST_RETRY);
    expect(await sender.sendDue()).toMatchObject({ failed: 0 });
    const addresses = [claimFor('dup').partnerContact!.email, claimFor('dup').customerContact!.email];
    const mail = await until(async () => {
      const found = await mailTo(addresses);
      return found.length >= 2 ? found : undefined;
    }, 'two emails in Mailpit');

    // Handling the event again after sending changes nothing either.
    expect(await service.record(event)).toEqual({ created: 0, existing: 2 });
    expect(await sender.sendDue()).toEqual({ sent: 0, failed: 0 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = await mailTo(addresses);
    expect(again).toHaveLength(2);

    const customerMail = mail.find((m) => m.to.includes(addresses[1]))!;
    expect(customerMail.subject).toContain('Fabrikam Ltd');
    expect(customerMail.text).toContain('/v1/consent/TOKEN-');
    expect(customerMail.html).toContain('/v1/consent/TOKEN-');
    const partnerMail = mail.find((m) => m.to.includes(addresses[0]))!;
    expect(partnerMail.subject).toMatch(/^Approved: CPOR claim/);
    expect(partnerMail.text).not.toContain('TOKEN-');

    const sent = await deliveries.findByEvent(event.id);
    for (const row of sent) {
      expect(row).toMatchObject({ status: 'sent', attempts: 1, messageId: `<${row.ref}@cpor>` });
      expect(row.text).toBeUndefined();
      expect(row.html).toBeUndefined();
    }
    // The Message-ID is the delivery's, so a receiver can drop a copy we might ever resend.
    const customerRow = sent.find((r) => r.role === 'customer')!;
    expect(await messageIdOf(customerMail.id)).toBe(`${customerRow.ref}@cpor`);
  });

  it('while SMTP is down, deliveries wait with attempts and backoff; once it is back they go out once', async () => {
    const events = [consentRequested('down-1'), consentRequested('down-2')];
    for (const event of events) await service.record(event);
    const addresses = ['down-1', 'down-2'].flatMap((l) => [claimFor(l).partnerContact!.email, claimFor(l).customerContact!.email]);

    const down = new DeliverySender(deliveries, mailer({ ...MAILPIT, port: await closedPort() }), FAST_RETRY);
    const rows = async (): Promise<Delivery[]> => (await Promise.all(events.map((e) => deliveries.findByEvent(e.id)))).flat();
    const failedRows = await until(async () => {
      await down.sendDue();
      const current = await rows();
      return current.every((r) => r.attempts > 0) ? current : undefined;
    }, 'every delivery to have failed at least once');
    for (const row of failedRows) {
      expect(row.status).toBe('pending');
      expect(row.lastError).toMatch(/ECONNECTION|ECONNREFUSED/);
      expect(row.lastError).not.toContain('@');
      expect(row.nextAttemptAt.getTime()).toBeGreaterThan(row.createdAt.getTime());
      expect(row.text).toBeTruthy();
    }
    expect(await mailTo(addresses)).toEqual([]);

    // SMTP is back: the background loop sends everything that waited.
    const up = new DeliverySender(deliveries, mailer(MAILPIT), FAST_RETRY);
    up.start();
    try {
      await until(async () => ((await rows()).every((r) => r.status === 'sent') ? true : undefined), 'every delivery to be sent');
    } finally {
      await up.stop();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const mail = await mailTo(addresses);
    expect(mail.flatMap((m) => m.to).sort()).toEqual([...addresses].sort());
    for (const row of await rows()) expect(row.attempts).toBeGreaterThan(1);
  });

  it('a business clock far from wall time (moved by tests) neither delays nor hurries sending', async () => {
    const ahead = new NotificationService(deliveries, new TemplateRenderer(path.resolve(process.cwd(), 'apps/notifications/templates')), SAMPLE_CONTEXT, {
      now: () => new Date(Date.now() + 8 * 86_400_000),
    });
    const event = consentRequested('clock');
    await ahead.record(event);
    const sender = new DeliverySender(deliveries, mailer(MAILPIT), FAST_RETRY);
    while ((await sender.sendDue()).sent > 0);
    const rows = await deliveries.findByEvent(event.id);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(rows[0].createdAt.getTime()).toBeGreaterThan(Date.now() + 7 * 86_400_000);
  });

  it('sender instances racing over the same deliveries send each email once (leases)', async () => {
    const labels = ['race-1', 'race-2', 'race-3', 'race-4'];
    for (const label of labels) await service.record(consentRequested(label));
    const addresses = labels.flatMap((l) => [claimFor(l).partnerContact!.email, claimFor(l).customerContact!.email]);

    // Three instances (as three processes would), each with its own repository and SMTP connection.
    const senders = [1, 2, 3].map(
      () => new DeliverySender(DeliveryRepository.forConnection(connection), mailer(MAILPIT), FAST_RETRY),
    );
    await Promise.all(senders.map(async (sender) => {
      while ((await sender.sendDue()).sent > 0);
    }));

    await until(async () => ((await mailTo(addresses)).length >= addresses.length ? true : undefined), 'every racing email in Mailpit');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await mailTo(addresses)).flatMap((m) => m.to).sort()).toEqual([...addresses].sort());
  });
});

describe("the sender's round query", () => {
  it('lists at most its limit of due deliveries, oldest first among them; rounds that send what they list reach every due one once', async () => {
    // A database of its own: the tests above leave deliveries of their own behind.
    const own = await openMongoConnection(MONGO_URL, `${MONGO_DB}_due`);
    try {
      await deliveryModel(own).init();
      const queue = DeliveryRepository.forConnection(own);
      const now = new Date();
      const at = (offsetS: number) => new Date(now.getTime() + offsetS * 1000);
      // Recorded in an order unrelated to when they are due: 12 due (some retried, due again), 3 not yet.
      const dueOffsets = [-5, -60, -1, -30, -45, -2, -50, -10, -20, -3, -40, -15];
      const laterOffsets = [30, 5, 600];
      const ids: Record<'due' | 'later', string[]> = { due: [], later: [] };
      for (const [kind, offsets] of [['due', dueOffsets], ['later', laterOffsets]] as const) {
        for (const offset of offsets) {
          const { id } = await queue.insertPending(
            { eventId: randomUUID(), eventType: 'cpor.claim.approved.v1', claimId: 'c-due', template: 'approved', role: 'partner', to: `due-${RUN}@contoso.example`, subject: 'Approved', text: 't', html: 'h' },
            now,
          );
          await deliveryModel(own).updateOne({ _id: id }, { $set: { nextAttemptAt: at(offset) } }).exec();
          ids[kind].push(id);
        }
      }

      const first = await queue.due(now, 5);
      expect(first).toHaveLength(5);
      expect(first.every((row) => row.status === 'pending' && row.nextAttemptAt.getTime() <= now.getTime())).toBe(true);
      const times = first.map((row) => row.nextAttemptAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));

      const listed: string[] = [];
      for (let round = 0; round < 10; round++) {
        const rows = await queue.due(now, 5);
        if (rows.length === 0) break;
        for (const row of rows) {
          listed.push(row._id);
          await queue.markSent(row, now, `<${row.ref}@cpor>`);
        }
      }
      expect([...listed].sort()).toEqual([...ids.due].sort());
      expect(await queue.due(at(3600), 50)).toHaveLength(ids.later.length);
    } finally {
      await own.dropDatabase().catch(() => undefined);
      await own.close();
    }
  });
});
