import { Logger } from '@nestjs/common';
import { forEachConcurrently, PollingLoop } from '@cpor/kernel';
import { describeMailError, type MailSender } from '@cpor/mail';
import { notificationMetrics } from '../notifications.metrics.js';
import type { SenderOptions } from '../notifications.settings.js';
import type { WorkLease, Delivery, DeliveryQueue } from '@cpor/persistence';

/** The longest one send can take: the SMTP connection, greeting and socket timeouts (smtp-mailer.ts) and a margin. */
const WORST_CASE_SEND_MS = 60_000;

/** Backoff after the n-th failed attempt (n >= 1): base, 2x base, 4x base ... capped. */
export function retryDelayMs(failedAttempts: number, options: Pick<SenderOptions, 'retryBaseMs' | 'retryMaxMs'>): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 30);
  return Math.min(options.retryBaseMs * 2 ** exponent, options.retryMaxMs);
}

/**
 * Sends pending deliveries. One instance sends at a time (the sender lease), so any number can
 * run; a failure leaves the delivery pending with a later nextAttemptAt, so nothing is lost while
 * SMTP is down. Retries never give up: ops see the pending count and lastError instead.
 */
export class DeliverySender {
  private readonly logger = new Logger(DeliverySender.name);
  private readonly loop: PollingLoop;
  private readonly lease: WorkLease;
  private readonly sendBudgetMs: number;
  /**
   * Sent, but the store failed to record it (an outage right after the SMTP server took the
   * email): marked first in the next rounds, and never sent again by this instance meanwhile.
   */
  private readonly sentUnmarked = new Map<string, { delivery: Delivery; sentAt: Date; messageId: string }>();

  constructor(
    private readonly deliveries: DeliveryQueue,
    private readonly mailer: MailSender,
    private readonly options: SenderOptions,
    /** Wall-clock time: retries and leases are about real SMTP, not the business clock. */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.loop = new PollingLoop(DeliverySender.name, () => this.sendDue(), options.intervalMs);
    // A round starts with at least two worst-case sends of lease left, and a send starts only
    // with one left, so a send never outlasts the lease and another instance never sends it too
    // (given a lease of at least three worst-case sends, as the default is).
    this.sendBudgetMs = Math.min(WORST_CASE_SEND_MS, options.leaseMs / 3);
    this.lease = deliveries.senderLease(options.leaseMs, 2 * this.sendBudgetMs);
  }

  start(): void {
    this.loop.start();
    this.loop.nudge();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.lease.release().catch(() => undefined);
  }

  /** New deliveries were recorded: look now instead of at the next tick. */
  nudge(): void {
    this.loop.nudge();
  }

  /**
   * Sends the deliveries due now, until none is left or one fails (the server is probably down:
   * the rest wait for the next round instead of each timing out). Nothing due: one query, no
   * lease. Otherwise, under the sender lease, each round lists up to `batchSize` due deliveries
   * in one query; the first is sent alone (a probe of the server), the rest `concurrency` at a
   * time over the pooled SMTP connections. Returns what went out.
   */
  async sendDue(): Promise<{ sent: number; failed: number }> {
    // An email already sent waits for its mark before anything else: the store is back, or still away.
    for (const [id, { delivery, sentAt, messageId }] of this.sentUnmarked) {
      await this.deliveries.markSent(delivery, sentAt, messageId);
      this.sentUnmarked.delete(id);
    }
    if (!(await this.deliveries.anyDue(this.now()))) return { sent: 0, failed: 0 };
    let sent = 0;
    let failed = 0;
    const send = async (delivery: Delivery): Promise<void> => {
      if (failed > 0 || this.loop.stopping || this.lease.remainingMs() < this.sendBudgetMs) return;
      if (await this.sendOne(delivery)) sent++;
      else failed++;
    };
    try {
      while (!this.loop.stopping && failed === 0 && (await this.lease.hold())) {
        // None of these is remembered as sent: a failed mark ends the round, and the next one marks
        // every remembered email before it lists anything.
        const [first, ...rest] = await this.deliveries.due(this.now(), this.options.batchSize);
        if (!first) break;
        await send(first);
        await forEachConcurrently(rest, this.options.concurrency, send);
      }
    } finally {
      await this.lease.release();
    }
    return { sent, failed: Math.min(failed, 1) };
  }

  private async sendOne(delivery: Delivery): Promise<boolean> {
    const messageId = `<${delivery.ref}@cpor>`;
    try {
      await this.mailer.send({
        to: { email: delivery.to, name: delivery.toName },
        subject: delivery.subject,
        text: delivery.text ?? '',
        html: delivery.html ?? '',
        messageId,
      });
    } catch (error) {
      const attempt = delivery.attempts + 1;
      const delay = retryDelayMs(attempt, this.options);
      const reason = describeMailError(error);
      const now = this.now();
      await this.deliveries.markFailed(delivery, new Date(now.getTime() + delay), reason);
      notificationMetrics.failed.inc({ template: delivery.template });
      this.logger.warn(
        `delivery ${delivery.ref} (event ${delivery.eventId}, template ${delivery.template}) attempt ${attempt} failed: ${reason}; retry in ${delay} ms`,
      );
      return false;
    }
    // If we crash before this write, the email is sent again (after the lease expires) with the same Message-ID.
    const sentAt = this.now();
    try {
      await this.deliveries.markSent(delivery, sentAt, messageId);
    } catch (error) {
      // Sent all the same: remembered, so this instance marks it once the store takes writes
      // again instead of sending it again (and sends nothing new until then).
      this.sentUnmarked.set(delivery._id, { delivery, sentAt, messageId });
      throw error;
    }
    notificationMetrics.sent.inc({ template: delivery.template });
    this.logger.log(`delivery ${delivery.ref} (event ${delivery.eventId}, template ${delivery.template}) sent`);
    return true;
  }
}
