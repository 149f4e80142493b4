import type { CloudEvent } from '../../../contracts/src/envelope.js';
import { PollingLoop } from '../../../platform/src/polling-loop.js';
import type { ClaimWriteLock, LeaseStore } from '../leases.js';
import type { ClaimModel, ClaimRecord, OutboxEntry } from './claim-record.js';
import { markOutboxPending, outboxPendingModel, type OutboxPendingModel } from './outbox-pending.js';

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

/** How often the relay re-checks the claims themselves for events without a marker. */
const SWEEP_INTERVAL_MS = 5 * 60_000;

function leaseKey(claimId: string): string {
  return `outbox-relay:${claimId}`;
}

type PendingClaim = Pick<ClaimRecord, '_id' | 'version' | 'outbox' | 'outboxPending'>;
const PENDING_PROJECTION = { _id: 1, version: 1, outbox: 1, outboxPending: 1 } as const;

/**
 * Publishes each claim's unsent outbox events to Kafka (key = claimId, in order) and then
 * records how many were sent. At-least-once: a crash between publish and ack republishes,
 * which consumers absorb because every event keeps its id.
 */
export class OutboxRelay {
  private readonly loop: PollingLoop;
  private readonly markers: OutboxPendingModel;
  private lastSweep = 0;

  constructor(
    private readonly claims: ClaimModel,
    private readonly leases: LeaseStore,
    private readonly writeLock: ClaimWriteLock,
    private readonly publisher: OutboxPublisher,
    private readonly options: OutboxRelayOptions,
  ) {
    this.loop = new PollingLoop(OutboxRelay.name, () => this.drain(), options.intervalMs);
    this.markers = outboxPendingModel(claims.db);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Called after each committed transition so events leave without waiting for the poll. */
  nudge(): void {
    this.loop.nudge();
  }

  /** Relays until nothing is pending. */
  private async drain(): Promise<void> {
    if (Date.now() - this.lastSweep > SWEEP_INTERVAL_MS) {
      this.lastSweep = Date.now();
      await this.sweep();
    }
    while (!this.loop.stopping && (await this.relayOnce()) > 0) {
      // keep going while there is work
    }
  }

  /** One relay round; returns how many events were published. */
  async relayOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 100;
    const leaseMs = this.options.leaseMs ?? 30_000;
    const taken: PendingClaim[] = [];
    const candidates = await this.markers.find({}, { _id: 1 }).sort({ since: 1 }).limit(batchSize).lean<Array<{ _id: string }>>().exec();
    for (const candidate of candidates) {
      // One relay per claim at a time keeps its events in order on the partition.
      if (!(await this.leases.tryAcquire(leaseKey(candidate._id), leaseMs))) continue;
      // Re-read under the lease: another relay may have just published these events.
      const claim = await this.claims.findById(candidate._id, PENDING_PROJECTION).lean<PendingClaim>().exec();
      if (claim?.outboxPending) {
        taken.push(claim);
      } else {
        await this.clearMarker(candidate._id);
        await this.leases.release(leaseKey(candidate._id));
      }
    }
    if (taken.length === 0) return 0;
    const records: OutboxEntry[] = taken.flatMap((claim) => claim.outbox);
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

  /** Re-creates markers lost between a claim write and its marker write (a crash). */
  async sweep(): Promise<void> {
    const pending = await this.claims.find({ outboxPending: true }, { _id: 1 }).lean<Array<{ _id: string }>>().exec();
    for (const { _id } of pending) await markOutboxPending(this.markers, _id);
  }

  /** Drops the marker of a claim with nothing left to send (under its write lock). */
  private async clearMarker(claimId: string): Promise<void> {
    await this.writeLock.run(claimId, async () => {
      const claim = await this.claims.findById(claimId, { outboxPending: 1 }).lean<{ outboxPending?: boolean }>().exec();
      if (!claim?.outboxPending) await this.markers.deleteOne({ _id: claimId }).exec();
    });
  }

  /**
   * Removes the published events from the claim's outbox, so the document keeps only what is
   * still to send (Kafka holds the rest). A compare-and-set on the version: a transition that
   * appended events meanwhile keeps them, and they go out in the next round.
   */
  private async acknowledge(claim: PendingClaim): Promise<void> {
    const published = new Set(claim.outbox.map((entry) => entry.event.id));
    await this.writeLock.run(claim._id, async () => {
      let current: PendingClaim | null = claim;
      for (let attempt = 0; current && attempt < 3; attempt++) {
        const remaining = current.outbox.filter((entry) => !published.has(entry.event.id));
        const written = await this.claims
          .updateOne({ _id: claim._id, version: current.version }, { $set: { outbox: remaining, outboxPending: remaining.length > 0 } })
          .exec();
        if (written.matchedCount === 1) {
          if (remaining.length === 0) await this.markers.deleteOne({ _id: claim._id }).exec();
          return;
        }
        current = await this.claims.findById(claim._id, PENDING_PROJECTION).lean<PendingClaim>().exec();
      }
    });
  }
}
