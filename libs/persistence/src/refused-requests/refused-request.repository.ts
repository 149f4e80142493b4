import { Schema, type Connection, type Model } from 'mongoose';
import { insertUnlessExists } from '../insert-unless-exists.js';

/**
 * The answer given to an upstream request that was refused, kept under the request's id for good
 * (like the command ids the claim ledger keeps): a repeat of the request, however much later (an
 * upstream duplicate, `ops replay`), gets the same rejection again instead of being decided again
 * on a claim that has changed since, where it might pass after upstream was told it failed.
 */
export interface RefusedRequest {
  /** The request's CloudEvents id. */
  _id: string;
  /** The rejection event as published: its id, subject and data. */
  rejection: { id: string; subject: string; data: unknown };
  refusedAt: Date;
}

const refusedRequestSchema = new Schema<RefusedRequest>(
  {
    _id: { type: String, required: true },
    rejection: { type: Schema.Types.Mixed, required: true },
    refusedAt: { type: Date, required: true },
  },
  { collection: 'refused_requests', versionKey: false, minimize: false },
);

export function refusedRequestModel(connection: Connection): Model<RefusedRequest> {
  return (connection.models.RefusedRequest as Model<RefusedRequest> | undefined) ?? connection.model<RefusedRequest>('RefusedRequest', refusedRequestSchema);
}

export class RefusedRequestRepository {
  constructor(private readonly refused: Model<RefusedRequest>) {}

  /** The refusal kept for this request id, if it was refused (a lookup by `_id`). */
  find(requestId: string): Promise<RefusedRequest | null> {
    return this.refused.findById(String(requestId)).lean<RefusedRequest>().exec();
  }

  /**
   * Keeps the first refusal of a request: an insert under its id, the store's own compare-and-set.
   * When a copy of the request was refused first, that refusal is returned and this one dropped.
   */
  async remember(refusal: RefusedRequest): Promise<RefusedRequest> {
    if (await insertUnlessExists(this.refused, refusal)) return refusal;
    return (await this.find(refusal._id)) ?? refusal;
  }
}
