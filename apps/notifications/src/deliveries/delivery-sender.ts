import { Logger } from '@nestjs/common';
import { forEachConcurrently } from '../../../../libs/async/src/index.js';
import { PollingLoop } from '../../../../libs/platform/src/polling-loop.js';
import { describeMailError, type MailSender } from '../mail/smtp-mailer.js';
import { notificationMetrics } from '../notifications.metrics.js';
import type { SenderOptions } from '../notifications.settings.js';
import type { DeliveryQueue, LeasedDelivery } from './delivery.repository.js';

/** Backoff after the n-th failed attempt (n >= 1): base, 2x base, 4x base ... capped. */
export function retryDelayMs(failedAttempts: number, options: Pick<SenderOptions, 'retryBaseMs' | 'retryMaxMs'>): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 30);
  return Math.min(options.retryBaseMs * 2 ** exponent, options.retryMaxMs);
}

/**
 * Sends pending deliveries. Each is taken under a lease, so any number of instances can run;
 * a failure leaves it pending with a later nextAttemptAt, so nothing is lost while SMTP is down.
 * Retries never give up: ops see the pending count and lastError instead.
 */
export class DeliverySender {
  private readonly logger = new Logger(DeliverySender.name);
  private readonly loop: PollingLoop;

  constructor(
    private readonly deliveries: DeliveryQueue,
    private readonly mailer: MailSender,
    private readonly options: SenderOptions,
    /** Wall-clock time: retries and leases are about real SMTP, not the business clock. */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.loop = new PollingLoop(DeliverySender.name, () => this.sendDue(), options.intervalMs);
  }

  start(): void {
    this.loop.start();
    this.loop.nudge();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** New deliveries were recorded: look now instead of at the next tick. */
  nudge(): void {
    this.loop.nudge();
  }

  /**
   * Sends the deliveries due now, until none is left or one fails (the server is probably down:
   * the rest wait for the next round instead of each timing out). Each round lists up to
   * `batchSize` due deliveries in one query; the first is sent alone (a probe of the server), the
   * rest `concurrency` at a time over the pooled SMTP connections. Returns what went out.
   */
  async sendDue(): Promise<{ sent: number; failed: number }> {
    let sent = 0;
    let failed = 0;
    while (!this.loop.stopping && failed === 0) {
      const ids = await this.deliveries.dueIds(this.now(), this.options.batchSize);
      let taken = 0;
      const sendId = async (id: string): Promise<void> => {
        if (failed > 0 || this.loop.stopping) return;
        const delivery = await this.deliveries.lease(id, this.now(), this.options.leaseMs);
        if (!delivery) return; // another instance holds it, or it went out meanwhile
        taken++;
        if (await this.sendOne(delivery)) sent++;
        else failed++;
      };
      for (const [i, id] of ids.entries()) {
        if (taken > 0) {
          await forEachConcurrently(ids.slice(i), this.options.concurrency, sendId);
          break;
        }
        await sendId(id);
      }
      if (taken === 0) break; // nothing due, or every due one is another instance's
    }
    return { sent, failed: Math.min(failed, 1) };
  }

  private async sendOne(delivery: LeasedDelivery): Promise<boolean> {
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
      await this.deliveries.markFailed(delivery, now, new Date(now.getTime() + delay), reason);
      notificationMetrics.failed.inc({ template: delivery.template });
      this.logger.warn(
        `delivery ${delivery.ref} (event ${delivery.eventId}, template ${delivery.template}) attempt ${attempt} failed: ${reason}; retry in ${delay} ms`,
      );
      return false;
    }
    // If we crash before this write, the lease expires and the email is sent again with the same Message-ID.
    await this.deliveries.markSent(delivery, this.now(), messageId);
    notificationMetrics.sent.inc({ template: delivery.template });
    this.logger.log(`delivery ${delivery.ref} (event ${delivery.eventId}, template ${delivery.template}) sent`);
    return true;
  }
}
