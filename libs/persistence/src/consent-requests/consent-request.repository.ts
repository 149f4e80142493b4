import { Schema, type Connection, type Model } from 'mongoose';
import { insertUnlessExists } from '../insert-unless-exists.js';

export type ConsentRequestStatus = 'open' | 'declined' | 'elapsed';

/**
 * One consent window: the approval of `claimId` in status epoch `epoch`. The decline link is
 * stored only as its SHA-256 hash (the token itself is derived again from the shared secret).
 */
export interface ConsentRequest {
  /** `${claimId}:${epoch}`: a replayed approval finds the same row. */
  _id: string;
  claimId: string;
  epoch: number;
  deadline: Date;
  tokenHash: string;
  status: ConsentRequestStatus;
  createdAt: Date;
  /** When the link was used to decline (a link is single use). */
  usedAt?: Date;
  elapsedAt?: Date;
}

const consentRequestSchema = new Schema<ConsentRequest>(
  {
    _id: { type: String, required: true },
    claimId: { type: String, required: true, index: true },
    epoch: { type: Number, required: true },
    deadline: { type: Date, required: true },
    tokenHash: { type: String, required: true },
    status: { type: String, required: true },
    createdAt: { type: Date, required: true },
    usedAt: { type: Date },
    elapsedAt: { type: Date },
  },
  { collection: 'consent_requests', versionKey: false },
);

export function consentRequestModel(connection: Connection): Model<ConsentRequest> {
  return (
    (connection.models.ConsentRequest as Model<ConsentRequest> | undefined) ??
    connection.model<ConsentRequest>('ConsentRequest', consentRequestSchema)
  );
}

export function consentRequestId(claimId: string, epoch: number): string {
  return `${claimId}:${epoch}`;
}

/** The consent service's private store (`consent_requests`); nothing else reads or writes it. */
export class ConsentRequestRepository {
  constructor(private readonly requests: Model<ConsentRequest>) {}

  /** Creates the request unless it exists (idempotent: a replayed approval changes nothing). An insert on the deterministic id, a duplicate key being the no-op: one statement on FerretDB, where an upsert is a read and an insert. */
  async open(request: Omit<ConsentRequest, '_id' | 'status' | 'usedAt' | 'elapsedAt'>): Promise<void> {
    const { claimId, epoch, deadline, tokenHash, createdAt } = request;
    const row: ConsentRequest = { _id: consentRequestId(claimId, epoch), claimId, epoch, deadline, tokenHash, status: 'open', createdAt };
    await insertUnlessExists(this.requests, row);
  }

  async find(claimId: string, epoch: number): Promise<ConsentRequest | null> {
    return this.requests.findById(consentRequestId(String(claimId), Number(epoch))).lean<ConsentRequest>().exec();
  }

  /** Marks the link used; false when it was not open any more (used or elapsed). */
  async markDeclined(claimId: string, epoch: number, at: Date): Promise<boolean> {
    const result = await this.requests
      .updateOne({ _id: consentRequestId(claimId, epoch), status: 'open' }, { $set: { status: 'declined', usedAt: at } })
      .exec();
    return result.modifiedCount === 1;
  }

  async markElapsed(claimId: string, epoch: number, at: Date): Promise<boolean> {
    const result = await this.requests
      .updateOne({ _id: consentRequestId(claimId, epoch), status: 'open' }, { $set: { status: 'elapsed', elapsedAt: at } })
      .exec();
    return result.modifiedCount === 1;
  }
}
