import { describe, expect, it } from '@jest/globals';
import type { MailSender, OutgoingMail } from '@cpor/mail';
import { InMemoryDeliveryQueue } from '../testing/in-memory-delivery-queue.js';
import { DeliverySender, retryDelayMs } from './delivery-sender.js';
import { deliveryId, deliveryRef, type NewDelivery } from '@cpor/persistence';

class FakeMailer implements MailSender {
  readonly sent: OutgoingMail[] = [];
  down = false;
  async send(mail: OutgoingMail): Promise<void> {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1 for ada@contoso.example'), { code: 'ECONNECTION' });
    this.sent.push(mail);
  }
  close(): void {}
}

const options = { intervalMs: 10, batchSize: 50, concurrency: 4, leaseMs: 60_000, retryBaseMs: 1_000, retryMaxMs: 8_000 };

function delivery(eventId: string, to = 'ada@contoso.example'): NewDelivery {
  return { eventId, eventType: 'cpor.claim.submitted.v1', claimId: 'c-1', template: 'claim-submitted', role: 'partner', to, toName: 'Ada', subject: 'S', text: 'T', html: '<p>H</p>' };
}

function setup() {
  let now = new Date('2020-06-01T00:00:00.000Z');
  const queue = new InMemoryDeliveryQueue();
  const mailer = new FakeMailer();
  queue.now = () => now;
  const sender = new DeliverySender(queue, mailer, options, () => now);
  return { queue, mailer, sender, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

describe('retryDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 50].map((n) => retryDelayMs(n, options))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });
});

describe('DeliverySender', () => {
  it('sends each pending delivery once, with a deterministic Message-ID, and drops the bodies', async () => {
    const { queue, mailer, sender } = setup();
    await queue.insertPending(delivery('e1'), new Date('2020-06-01T00:00:00.000Z'));
    await queue.insertPending(delivery('e1'), new Date('2020-06-01T00:00:00.000Z'));
    expect(await sender.sendDue()).toEqual({ sent: 1, failed: 0 });
    expect(await sender.sendDue()).toEqual({ sent: 0, failed: 0 });
    const id = deliveryId('e1', 'claim-submitted', 'ada@contoso.example');
    expect(mailer.sent).toEqual([
      { to: { email: 'ada@contoso.example', name: 'Ada' }, subject: 'S', text: 'T', html: '<p>H</p>', messageId: `<${deliveryRef(id)}@cpor>` },
    ]);
    expect(queue.rows.get(id)).toMatchObject({ status: 'sent', attempts: 1, text: undefined, html: undefined });
  });

  it.each([
    ['away', Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' })],
    ['refusing writes (disk full)', Object.assign(new Error('could not extend file: No space left on device (SQLSTATE 53100)'), { name: 'MongoServerError' })],
  ])('an email sent while the store was %s is marked once it takes writes, never sent a second time', async (_what, failure) => {
    const { queue, mailer, sender } = setup();
    await queue.insertPending(delivery('e1'), new Date('2020-06-01T00:00:00.000Z'));
    const markSent = queue.markSent.bind(queue);
    let storeDown = true;
    queue.markSent = async (...args) => {
      if (storeDown) throw failure;
      return markSent(...args);
    };
    await expect(sender.sendDue()).rejects.toThrow(failure.message);
    expect(mailer.sent).toHaveLength(1);
    await expect(sender.sendDue()).rejects.toThrow(failure.message); // still failing: nothing sent meanwhile
    expect(mailer.sent).toHaveLength(1);
    storeDown = false;
    expect(await sender.sendDue()).toEqual({ sent: 0, failed: 0 });
    expect(mailer.sent).toHaveLength(1);
    expect(queue.rows.get(deliveryId('e1', 'claim-submitted', 'ada@contoso.example'))).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('keeps failed deliveries pending with backoff and a lastError without addresses, then sends them', async () => {
    const { queue, mailer, sender, advance } = setup();
    await queue.insertPending(delivery('e1'), new Date('2020-06-01T00:00:00.000Z'));
    await queue.insertPending(delivery('e2'), new Date('2020-06-01T00:00:00.000Z'));
    mailer.down = true;

    // A failure ends the round: the second one is not tried against a dead server.
    expect(await sender.sendDue()).toEqual({ sent: 0, failed: 1 });
    const first = [...queue.rows.values()].find((d) => d.attempts === 1)!;
    expect(first.status).toBe('pending');
    expect(first.nextAttemptAt.toISOString()).toBe('2020-06-01T00:00:01.000Z');
    expect(first.lastError).toBe('ECONNECTION: connect ECONNREFUSED 127.0.0.1:1 for <address>');

    expect(await sender.sendDue()).toEqual({ sent: 0, failed: 1 });
    expect(await sender.sendDue()).toEqual({ sent: 0, failed: 0 }); // both backing off
    advance(1_000);
    expect(await sender.sendDue()).toEqual({ sent: 0, failed: 1 });
    const retried = [...queue.rows.values()].find((d) => d.attempts === 2)!;
    expect(retried.nextAttemptAt.getTime() - new Date('2020-06-01T00:00:01.000Z').getTime()).toBe(2_000);

    mailer.down = false;
    advance(10_000);
    expect(await sender.sendDue()).toEqual({ sent: 2, failed: 0 });
    expect(mailer.sent.map((m) => m.messageId).sort()).toEqual(
      ['e1', 'e2'].map((e) => `<${deliveryRef(deliveryId(e, 'claim-submitted', 'ada@contoso.example'))}@cpor>`).sort(),
    );
    expect(await sender.sendDue()).toEqual({ sent: 0, failed: 0 });
  });

  it('sends nothing while another instance holds the sender lease, and takes over once it is free', async () => {
    const { queue, mailer, sender } = setup();
    await queue.insertPending(delivery('e1'), new Date('2020-06-01T00:00:00.000Z'));
    const other = queue.senderLease();
    expect(await other.hold()).toBe(true); // another instance is sending
    expect(await sender.sendDue()).toEqual({ sent: 0, failed: 0 });
    expect(mailer.sent).toEqual([]);
    await other.release();
    expect(await sender.sendDue()).toEqual({ sent: 1, failed: 0 });
    expect(queue.senderLeaseHolder).toBeNull(); // released after the round
  });

  it('probes the server with the first delivery of a round, then sends the rest several at a time', async () => {
    const { queue } = setup();
    let inFlight = 0;
    let peak = 0;
    const order: string[] = [];
    const slow: MailSender = {
      async send(mail) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        order.push(mail.messageId);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      },
      close() {},
    };
    const concurrent = new DeliverySender(queue, slow, options, () => new Date('2020-06-01T00:00:00.000Z'));
    for (let i = 0; i < 10; i++) await queue.insertPending(delivery(`e${i}`), new Date('2020-06-01T00:00:00.000Z'));
    expect(await concurrent.sendDue()).toEqual({ sent: 10, failed: 0 });
    expect(order).toHaveLength(10);
    expect(peak).toBe(options.concurrency);
  });

  it('runs in the background once started, sends on a nudge, and stops cleanly', async () => {
    const queue = new InMemoryDeliveryQueue();
    const mailer = new FakeMailer();
    const sender = new DeliverySender(queue, mailer, { ...options, intervalMs: 60_000 });
    sender.start();
    await queue.insertPending(delivery('e1'), new Date(Date.now() - 1));
    sender.nudge();
    const deadline = Date.now() + 2_000;
    while (mailer.sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await sender.stop();
    expect(mailer.sent).toHaveLength(1);
  });
});
