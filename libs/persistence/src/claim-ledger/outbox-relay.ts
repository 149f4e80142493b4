import type { CloudEvent } from '@cpor/contracts';
import { forEachConcurrently, PollingLoop } from '@cpor/kernel';
import { LeaseHolder, type LeaseStore } from '../leases.js';
import { publishedEvent, readTransition, RELAY_BUCKETS, transitionId, type ClaimTransition, type ClaimTransitionModel } from './claim-transition.js';

/** What the relay needs from messaging: publish records in order, all or nothing acknowledged. */
export interface OutboxPublisher {
  publish(records: Array<{ topic: string; event: CloudEvent }>): Promise<void>;
}

export interface OutboxRelayOptions {
  intervalMs: number;
  /** Transition rows per producer batch (and per acknowledgement run). */
  batchSize?: number;
  /** Most pending rows one round reads (see relayOnce); default 500. */
  readLimit?: number;
  /**
   * How long one relay stays the relaying one without renewing (default 30 s; renewed at each
   * round once 10 s have passed). As long as one relay round can take under a backlog: FerretDB
   * answered the pending query of a 5,000-claim burst in 15-30 s, and a 15-s lease lapsing
   * mid-round let a second relay run the same query beside it. A relay that died (not one that
   * stopped: stopping releases the lease) is replaced after at most this long.
   */
  leaseMs?: number;
}

const RELAY_LEASE = 'outbox-relay';

/**
 * Acknowledgements per `update` command. FerretDB v1.24 on PostgreSQL keeps every statement's read
 * open (one pooled connection each) until the whole command ends, and each statement needs one more
 * connection for its write: a command of 500 statements waits for good on a pool of 300. Small
 * commands keep what one acknowledgement needs far below the pool (docs/operations.md).
 */
const ACKS_PER_COMMAND = 20;

/** The relay's query: rows not yet published (an equality FerretDB on PostgreSQL pushes down; published rows leave it). */
export const PENDING_TRANSITIONS = { pending: true } as const;

/** The relay's query under a backlog: the rows of one bucket still to publish (see readPending). */
export function pendingTransitionsInBucket(bucket: number): { pending: true; relayBucket: number } {
  return { pending: true, relayBucket: bucket };
}

/** Claims whose last published version the relay remembers (a bound on memory; a forgotten one costs one lookup). */
const REMEMBERED_CLAIMS = 50_000;
/** Lookups of earlier rows at once, when completing a round's claims (see relayOnce). */
const LOOKUPS_AT_ONCE = 8;

/** The outbox as metrics show it: rows not yet published, and when the oldest of them was committed. */
export interface OutboxBacklog {
  pending: number;
  /** `at` of the oldest pending row (business clock); null when none is pending. */
  oldestAt: Date | null;
}

/**
 * Reads the outbox backlog with the relay's own query (pushed down; published rows leave it),
 * only `at` of each row coming back. One query, not a count and a sorted `limit(1)`: FerretDB
 * v1.24 decodes every row a filtered query matches whatever its limit, so two queries would cost
 * two passes over the backlog; what this one ships is a date per pending row. Metrics call it at
 * most every 30 s (libs/platform, metrics).
 */
export async function readOutboxBacklog(transitions: ClaimTransitionModel): Promise<OutboxBacklog> {
  const rows = await transitions.find(PENDING_TRANSITIONS, { _id: 0, at: 1 }).lean<Array<Pick<ClaimTransition, 'at'>>>().exec();
  let oldestAt: Date | null = null;
  for (const { at } of rows) {
    if (at instanceof Date && (oldestAt === null || at.getTime() < oldestAt.getTime())) oldestAt = at;
  }
  return { pending: rows.length, oldestAt };
}

/**
 * Publishes the events of committed transitions (`claim_transitions` rows still `pending`) to
 * Kafka, key = claimId, and then unsets `pending`. Rows are taken in (claimId, version) order,
 * so a claim's events go out in the order they were committed. At-least-once: a crash between
 * publish and acknowledgement republishes, which consumers absorb because every event keeps the
 * id it was committed with.
 *
 * One relay at a time does the work (the others stand by), so events are not published once per
 * service. That lease only saves duplicates: it decides nothing about what a claim contains, and
 * two relays overlapping (one paused past its lease) publish the same events under the same ids.
 */
export class OutboxRelay {
  private readonly loop: PollingLoop;
  private readonly lease: LeaseHolder;
  /** The last version this relay published, per claim (oldest forgotten first). */
  private readonly lastPublished = new Map<string, number>();
  /** The bucket it reads while working off a backlog; undefined: it reads the whole pending set. */
  private bucket: number | undefined;

  constructor(
    private readonly transitions: ClaimTransitionModel,
    leases: LeaseStore,
    private readonly publisher: OutboxPublisher,
    private readonly options: OutboxRelayOptions,
  ) {
    this.loop = new PollingLoop(OutboxRelay.name, () => this.drain(), options.intervalMs);
    const leaseMs = options.leaseMs ?? 30_000;
    this.lease = new LeaseHolder(leases, RELAY_LEASE, leaseMs, Math.max(leaseMs / 3, leaseMs - 10_000));
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.lease.release().catch(() => undefined);
  }

  /** Called after each committed transition so events leave without waiting for the poll. */
  nudge(): void {
    this.loop.nudge();
  }

  /** Relays until nothing is pending. */
  private async drain(): Promise<void> {
    while (!this.loop.stopping && (await this.relayOnce()) > 0) {
      // keep going while there is work
    }
  }

  /**
   * One relay round: up to `readLimit` pending rows (readPending), completed per claim, then
   * published in (claimId, version) order in producer batches of `batchSize`, each acknowledged
   * in commands of ACKS_PER_COMMAND before the next goes. Returns the events published.
   *
   * The query has no sort on purpose. FerretDB v1.24 sorts in Go, so a sorted query decodes every
   * pending row whatever its limit: each round cost in proportion to the backlog, and a 5,000-claim
   * burst stalled the pipeline (docs/performance-history.md). Unsorted, FerretDB stops decoding at the
   * limit (PostgreSQL still sends every match: see readPending). The rows then come in storage
   * order, which is not commit order, so a round may hold version v of a claim without v-1 still
   * pending. Before publishing, each claim's rows are completed
   * backwards (v-1, v-2 ... by `_id`, pushed down) down to a row already published, unless this
   * relay published v-1 itself (it remembers the last version it published per claim), and cut at
   * the first gap (the rest come in a later round). So a claim's events still go out in commit
   * order, and every round publishes the earliest pending event of each claim it read.
   */
  async relayOnce(): Promise<number> {
    if (!(await this.lease.hold())) return 0;
    const read = await this.readPending();
    if (read.length === 0) return 0;
    const rows = await this.inCommitOrder(read);
    const batchSize = this.options.batchSize ?? 500;
    let published = 0;
    for (let start = 0; start < rows.length; start += batchSize) {
      // Between batches: stop when stopping or when another relay took over (it will read these rows again).
      if (start > 0 && (this.loop.stopping || !(await this.lease.hold()))) break;
      const batch = rows.slice(start, start + batchSize);
      const records = batch.flatMap((row) => row.outbox.map((entry) => publishedEvent(row, entry)));
      if (records.length > 0) await this.publisher.publish(records);
      await this.acknowledge(batch);
      for (const row of batch) this.rememberPublished(row);
      published += Math.max(records.length, 1);
    }
    return published;
  }

  /**
   * Up to `readLimit` pending rows. While no more are pending, one query reads them all. A full
   * read means a backlog, and FerretDB v1 gives PostgreSQL no limit for a filtered query: each full
   * read made PostgreSQL produce and send the whole backlog (8,000 rows under a 5,000-claim burst,
   * read again for every 500 published). So after a full read the relay reads one bucket
   * (relayBucketOf: a sixteenth of the claims) at a time, each until a read comes back short, then
   * the next; after the last it reads the whole pending set again, which also takes any row
   * written without a bucket.
   */
  private async readPending(): Promise<ClaimTransition[]> {
    const readLimit = this.options.readLimit ?? 500;
    for (;;) {
      const filter = this.bucket === undefined ? PENDING_TRANSITIONS : pendingTransitionsInBucket(this.bucket);
      const read = (await this.transitions.find(filter).limit(readLimit).batchSize(readLimit).lean().exec()).map(readTransition);
      const full = read.length >= readLimit;
      if (this.bucket === undefined) {
        if (full) this.bucket = 0;
        return read;
      }
      if (!full) this.bucket = this.bucket + 1 < RELAY_BUCKETS ? this.bucket + 1 : undefined;
      if (read.length > 0) return read;
    }
  }

  private rememberPublished(row: ClaimTransition): void {
    this.lastPublished.delete(row.claimId);
    this.lastPublished.set(row.claimId, row.version);
    if (this.lastPublished.size > REMEMBERED_CLAIMS) this.lastPublished.delete(this.lastPublished.keys().next().value!);
  }

  /**
   * The rows read, per claim from its earliest pending row on and without gaps, in (claimId,
   * version) order: earlier pending rows the query did not return are looked up by `_id`, and
   * rows after a missing version are left for a later round.
   */
  private async inCommitOrder(read: ClaimTransition[]): Promise<ClaimTransition[]> {
    const byClaim = new Map<string, ClaimTransition[]>();
    for (const row of read) {
      const rows = byClaim.get(row.claimId);
      if (rows) rows.push(row);
      else byClaim.set(row.claimId, [row]);
    }
    const claims = [...byClaim.keys()].sort();
    const completed = new Map<string, ClaimTransition[]>();
    await forEachConcurrently(claims, LOOKUPS_AT_ONCE, async (claimId) => {
      const rows = byClaim.get(claimId)!.sort((a, b) => a.version - b.version);
      const earlier: ClaimTransition[] = [];
      for (let version = rows[0].version - 1; version > (this.lastPublished.get(claimId) ?? 0); version--) {
        const row = await this.transitions.findOne({ _id: transitionId(claimId, version) }).lean().exec();
        if (!row?.pending) break;
        earlier.unshift(readTransition(row));
      }
      const run = [...earlier, ...rows];
      const gap = run.findIndex((row, i) => i > 0 && row.version !== run[i - 1].version + 1);
      completed.set(claimId, gap === -1 ? run : run.slice(0, gap));
    });
    return claims.flatMap((claimId) => completed.get(claimId)!);
  }

  private async acknowledge(rows: ClaimTransition[]): Promise<void> {
    for (let start = 0; start < rows.length; start += ACKS_PER_COMMAND) {
      await this.transitions.bulkWrite(
        rows
          .slice(start, start + ACKS_PER_COMMAND)
          .map((row) => ({ updateOne: { filter: { _id: row._id }, update: { $unset: { pending: '', relayBucket: '' } } } })),
        { ordered: false },
      );
    }
  }
}
