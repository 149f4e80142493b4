import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from './errors.js';

interface Lease {
  _id: string;
  until: Date;
}

const leaseSchema = new Schema<Lease>({ _id: { type: String, required: true }, until: { type: Date, required: true } }, { collection: 'leases', versionKey: false });

export function leaseModel(connection: Connection): Model<Lease> {
  return (connection.models.Lease as Model<Lease> | undefined) ?? connection.model<Lease>('Lease', leaseSchema);
}

/**
 * Mutual exclusion that holds on every MongoDB-wire server: acquiring is an insert of a unique
 * `_id`, which even FerretDB (whose updates are read-modify-write, not atomic) applies atomically.
 * An expired lease (its holder died) is taken over by deleting exactly that lease first.
 * Wall-clock time: leases are about process liveness, not business time.
 */
export class LeaseStore {
  constructor(private readonly leases: Model<Lease>) {}

  async tryAcquire(key: string, ttlMs: number): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.leases.collection.insertOne({ _id: key, until: new Date(Date.now() + ttlMs) } as never);
        return true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const held = await this.leases.findById(key).lean<Lease>().exec();
      if (held && held.until.getTime() > Date.now()) return false;
      // Expired (or just released): remove that very lease, then race for a fresh one.
      if (held) await this.leases.deleteOne({ _id: key, until: held.until }).exec();
    }
    return false;
  }

  async release(key: string): Promise<void> {
    await this.leases.deleteOne({ _id: key }).exec();
  }
}

/**
 * Serialises the writes to one claim document across processes. FerretDB applies an update as
 * read-modify-write of the whole document, so two concurrent updates of one claim (a transition
 * and the relay's acknowledgement, or two transitions) could silently drop one; under this lock
 * the version-filtered update is a true compare-and-set. With real MongoDB, where a filtered
 * update is atomic, it can be switched off (`CLAIM_WRITE_LOCK=off`).
 */
export class ClaimWriteLock {
  constructor(
    private readonly leases: LeaseStore,
    private readonly enabled = true,
    private readonly ttlMs = 10_000,
    private readonly waitMs = 5_000,
  ) {}

  async run<T>(claimId: string, write: () => Promise<T>): Promise<T> {
    if (!this.enabled) return write();
    const key = `claim-write:${claimId}`;
    const deadline = Date.now() + this.waitMs;
    for (let attempt = 0; !(await this.leases.tryAcquire(key, this.ttlMs)); attempt++) {
      if (Date.now() > deadline) throw Object.assign(new Error(`claim ${claimId} is locked by another writer`), { transient: true });
      await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 50)));
    }
    try {
      return await write();
    } finally {
      await this.leases.release(key);
    }
  }
}
