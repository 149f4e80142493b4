import { Schema, type Connection, type Model } from 'mongoose';
import { insertUnlessExists } from './insert-unless-exists.js';
import { op } from './trusted.js';

interface Lease {
  /** `${key}#${generation}` */
  _id: string;
  key: string;
  generation: number;
  until: Date;
}

const leaseSchema = new Schema<Lease>(
  {
    _id: { type: String, required: true },
    key: { type: String, required: true },
    generation: { type: Number, required: true },
    until: { type: Date, required: true },
  },
  { collection: 'leases', versionKey: false },
);
leaseSchema.index({ key: 1, generation: -1 });

function leaseId(key: string, generation: number): string {
  return `${key}#${generation}`;
}

export function leaseModel(connection: Connection): Model<Lease> {
  return (connection.models.Lease as Model<Lease> | undefined) ?? connection.model<Lease>('Lease', leaseSchema);
}

/**
 * Mutual exclusion that holds on every MongoDB-wire server. A lease is taken by INSERTING
 * `${key}#${generation}`: a unique `_id` is the one write even FerretDB (whose updates are
 * read-modify-write, not atomic) applies atomically, so only one taker can win a generation.
 * An expired lease (its holder died) is taken over by inserting the next generation, so a
 * takeover can race no more than a first acquisition can.
 *
 * The holder is the newest generation. A taker or renewer keeps what it inserted only if it is
 * then the newest: one working from a stale read (a holder renewing after it stalled past its
 * lease, into a generation a newer holder has since deleted) finds a newer row and gives up.
 * The winner then deletes the older rows, and a release expires its own row rather than deleting
 * it, so a key keeps one or two rows and generations only grow. Wall-clock time: leases are about
 * process liveness, not business time.
 */
export class LeaseStore {
  /** The generation this instance holds, per key. */
  private readonly held = new Map<string, number>();

  constructor(private readonly leases: Model<Lease>) {}

  async tryAcquire(key: string, ttlMs: number): Promise<boolean> {
    const latest = await this.newest(key);
    if (latest && latest.until.getTime() > Date.now()) return false;
    return this.take(key, (latest?.generation ?? 0) + 1, ttlMs);
  }

  /** Keeps a held lease for `ttlMs` more, as its next generation; false when another instance took the lease meanwhile. */
  async renew(key: string, ttlMs: number): Promise<boolean> {
    const generation = this.held.get(key);
    if (generation === undefined) return this.tryAcquire(key, ttlMs);
    this.held.delete(key);
    return this.take(key, generation + 1, ttlMs);
  }

  /** Ends the held lease at once: its row stays, expired, so the next taker takes the next generation. */
  async release(key: string): Promise<void> {
    const generation = this.held.get(key);
    if (generation === undefined) return;
    this.held.delete(key);
    await this.leases.updateOne({ _id: leaseId(key, generation) }, { $set: { until: new Date(0) } }).exec();
  }

  private newest(key: string): Promise<Lease | null> {
    return this.leases.findOne({ key }).sort({ generation: -1 }).lean<Lease>().exec();
  }

  /** Inserts `generation` and holds it if it is then the newest; clears the older rows. */
  private async take(key: string, generation: number, ttlMs: number): Promise<boolean> {
    const lease: Lease = { _id: leaseId(key, generation), key, generation, until: new Date(Date.now() + ttlMs) };
    if (!(await insertUnlessExists(this.leases, lease))) return false;
    let newest: Lease | null;
    try {
      newest = await this.newest(key);
    } catch (error) {
      // Not known to be held: take the row back (best effort), or every instance waits out a lease nobody holds.
      await this.leases.deleteOne({ _id: lease._id }).exec().catch(() => undefined);
      throw error;
    }
    if (newest?.generation !== generation) {
      await this.leases.deleteOne({ _id: lease._id }).exec();
      return false;
    }
    this.held.set(key, generation);
    // Housekeeping only: a row left behind is older than the newest, so it decides nothing.
    await this.leases.deleteMany({ key, generation: op({ $lt: generation }) }).exec().catch(() => undefined);
    return true;
  }
}

/**
 * How long an instance that found the lease taken waits before asking the store again. Every
 * service runs an outbox relay and each committed transition nudges its own: without this, the
 * relays standing by asked once per transition (3.5 lease queries per claim in the benchmark,
 * docs/performance-history.md). It delays a takeover after the holder stops by at most this long.
 */
export const STANDBY_RECHECK_MS = 1_000;

/**
 * One lease kept while a loop works (the outbox relay, a deadline poller, the mail sender): taken
 * when free, renewed (a fresh generation) once two thirds of it have passed, released when done.
 * It keeps instances from doing the same work twice; it never decides what a claim contains.
 */
export class LeaseHolder {
  private heldUntil = 0;
  /** After finding the lease taken: no new attempt before this (wall clock). */
  private standbyUntil = 0;

  /** `renewBelowMs`: renew once less than this is left (default a third of the lease). */
  constructor(
    private readonly leases: LeaseStore,
    private readonly key: string,
    private readonly ttlMs: number,
    private readonly renewBelowMs = ttlMs / 3,
    private readonly standbyRecheckMs = STANDBY_RECHECK_MS,
  ) {}

  /**
   * True while this instance holds the lease (taking or renewing it when needed). Call it only
   * between pieces of work: a renewal inserts the next generation (LeaseStore.renew). After the lease was
   * found taken, false without asking the store for `standbyRecheckMs`.
   */
  async hold(): Promise<boolean> {
    const now = Date.now();
    if (this.heldUntil - now > this.renewBelowMs) return true;
    if (this.heldUntil === 0 && now < this.standbyUntil) return false;
    const held = this.heldUntil > 0;
    this.heldUntil = 0;
    if (!(await (held ? this.leases.renew(this.key, this.ttlMs) : this.leases.tryAcquire(this.key, this.ttlMs)))) {
      this.standbyUntil = now + this.standbyRecheckMs;
      return false;
    }
    this.heldUntil = now + this.ttlMs;
    return true;
  }

  async release(): Promise<void> {
    if (this.heldUntil === 0) return;
    this.heldUntil = 0;
    await this.leases.release(this.key);
  }

  /** How long the lease still runs (0 when not held): work that may outlast it must wait for the next hold(). */
  remainingMs(): number {
    return Math.max(0, this.heldUntil - Date.now());
  }
}

/** What a loop needs of its lease (unit tests give an in-memory one). */
export type WorkLease = Pick<LeaseHolder, 'hold' | 'release' | 'remainingMs'>;
