import { Schema, type Connection, type Model } from 'mongoose';
import { insertUnlessExists } from '../insert-unless-exists.js';

/**
 * The answer given to an upstream request the rules refused, kept for good (like the command ids
 * the claim ledger keeps): a repeat of the request, however much later (an upstream duplicate,
 * `ops replay`), gets the same rejection again instead of being decided again on a claim that has
 * changed since, where it might pass after upstream was told it failed.
 */
export interface RefusedRequest {
  /** A hash of the request's source and id (the sender's text never becomes a key). */
  _id: string;
  /** A hash of the request's type and value: a different request under a reused id is not this one. */
  fingerprint: string;
  /** The rejection event as published (its id, subject and data), as JSON text: its data holds
   * the sender's header names, which need not be valid field names. */
  rejection: string;
  refusedAt: Date;
}

const refusedRequestSchema = new Schema<RefusedRequest>(
  {
    _id: { type: String, required: true },
    fingerprint: { type: String, required: true },
    rejection: { type: String, required: true },
    refusedAt: { type: Date, required: true },
  },
  { collection: 'refused_requests', versionKey: false },
);

export function refusedRequestModel(connection: Connection): Model<RefusedRequest> {
  return (connection.models.RefusedRequest as Model<RefusedRequest> | undefined) ?? connection.model<RefusedRequest>('RefusedRequest', refusedRequestSchema);
}

export class RefusedRequestRepository {
  constructor(private readonly refused: Model<RefusedRequest>) {}

  /** The refusal kept under this key, if any (a lookup by `_id`). */
  find(key: string): Promise<RefusedRequest | null> {
    return this.refused.findById(String(key)).lean<RefusedRequest>().exec();
  }

  /**
   * Keeps the first refusal under a key: an insert, the store's own compare-and-set. When a copy
   * of the request was refused first, that refusal is returned and this one dropped.
   */
  async remember(refusal: RefusedRequest): Promise<RefusedRequest> {
    if (await insertUnlessExists(this.refused, refusal)) return refusal;
    return (await this.find(refusal._id)) ?? refusal;
  }
}
