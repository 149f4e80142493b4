import { Logger } from '@nestjs/common';
import type { CloudEvent } from '../../../contracts/src/envelope.js';
import type { ClaimWriteLock, LeaseStore } from '../leases.js';
import type { ClaimModel, ClaimRecord, OutboxEntry } from './claim-record.js';

/** What the relay needs from messaging: publish records in order, all or nothing acknowledged. */
export interface OutboxPublisher {
  publish(records: Array<{ topic: string; event: CloudEvent }>): Promise<void>;
}

export interface OutboxRelayOptions {
  intervalMs: number;
  /** Claims taken per round; their pending events go out in one producer batch. */
  batchSize?: number;
  /** Lease so two relays never publish the same claim's events concurrently. */
  leaseMs?: number;
}

function leaseKey(claimId: string): string {
  return `outbox-relay:${claimId}`;
}

type PendingClaim = Pick<ClaimRecord, '_id' | 'version' | 'outbox' | 'outboxPublished'>;

/**
 * Publishes each claim's unsent outbox events to Kafka (key = claimId, in order) and then
 * records how many were sent. At-least-once: a crash between publish and ack republishes,
 * which consumers absorb because every event keeps its id.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly claims: ClaimModel,
    private readonly leases: LeaseStore,
    private readonly writeLock: ClaimWriteLock,
    private readonly publisher: OutboxPublisher,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Called after each committed transition so events leave without waiting for the poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.runNow();
  }

  /** One relay round; returns how many events were published. */
  async relayOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 100;
    const leaseMs = this.options.leaseMs ?? 30_000;
    const taken: PendingClaim[] = [];
    const candidates = await this.claims
      .find({ outboxPending: true }, { _id: 1, version: 1, outbox: 1, outboxPublished: 1 })
      .sort({ updatedAt: 1 })
      .limit(batchSize)
      .lean<PendingClaim[]>()
      .exec();
    for (const claim of candidates) {
      // One relay per claim at a time keeps its events in order on the partition.
      if (await this.leases.tryAcquire(leaseKey(claim._id), leaseMs)) taken.push(claim);
    }
    if (taken.length === 0) return 0;
    const records: OutboxEntry[] = taken.flatMap((claim) => claim.outbox.slice(claim.outboxPublished));
    try {
      if (records.length > 0) await this.publisher.publish(records.map(({ topic, event }) => ({ topic, event })));
    } catch (error) {
      // Leases are released so the next round (here or on another instance) retries.
      await Promise.all(taken.map((claim) => this.leases.release(leaseKey(claim._id))));
      throw error;
    }
    await Promise.all(taken.map(async (claim) => {
      await this.acknowledge(claim);
      await this.leases.release(leaseKey(claim._id));
    }));
    return records.length;
  }

  private async acknowledge(claim: PendingClaim): Promise<void> {
    const sent = claim.outbox.length;
    await this.writeLock.run(claim._id, async () => {
      const unchanged = await this.claims
        .updateOne({ _id: claim._id, version: claim.version }, { $set: { outboxPublished: sent, outboxPending: false } })
        .exec();
      if (unchanged.matchedCount === 1) return;
      // A transition appended more events meanwhile: keep the claim pending for the next round.
      await this.claims.updateOne({ _id: claim._id }, { $max: { outboxPublished: sent } }).exec();
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.runNow(), this.options.intervalMs);
  }

  private runNow(): void {
    this.running = (async () => {
      do {
        this.again = false;
        try {
          while ((await this.relayOnce()) > 0 && !this.stopped) {
            // keep draining while there is work
          }
        } catch (error) {
          this.logger.warn(`outbox relay round failed: ${(error as Error).message}`);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }
}
