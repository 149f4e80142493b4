import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../errors.js';
import { op } from '../trusted.js';

/**
 * The first answer to an HTTP request sent with an Idempotency-Key, kept so that a repeat gets
 * the same answer. Effects are not deduplicated here: the claim ledger does that itself (the key
 * becomes the command id, or the claim id of a create), so two repeats racing each other still
 * change the claim once. This only remembers what was answered.
 */
export interface IdempotentAnswer {
  /** SHA-256 of the service, the caller and the key. */
  _id: string;
  /** SHA-256 of the request: method, path, If-Match, body and files. */
  fingerprint: string;
  status: number;
  body: unknown;
  createdAt: Date;
  expiresAt: Date;
}

const idempotentAnswerSchema = new Schema<IdempotentAnswer>(
  {
    _id: { type: String, required: true },
    fingerprint: { type: String, required: true },
    status: { type: Number, required: true },
    body: { type: Schema.Types.Mixed },
    createdAt: { type: Date, required: true },
    // Expired answers are ignored when read and deleted by sweepExpired (FerretDB v1 has no TTL indexes).
    expiresAt: { type: Date, required: true, index: true },
  },
  { collection: 'idempotent_answers', versionKey: false, minimize: false },
);

export function idempotentAnswerModel(connection: Connection): Model<IdempotentAnswer> {
  return (
    (connection.models.IdempotentAnswer as Model<IdempotentAnswer> | undefined) ??
    connection.model<IdempotentAnswer>('IdempotentAnswer', idempotentAnswerSchema)
  );
}

export class IdempotentAnswerRepository {
  constructor(private readonly answers: Model<IdempotentAnswer>) {}

  /** The answer stored under this id, unless it has expired (an expired one is removed). */
  async find(id: string, now: Date): Promise<IdempotentAnswer | null> {
    const answer = await this.answers.findById(id).lean<IdempotentAnswer>().exec();
    if (!answer) return null;
    if (answer.expiresAt.getTime() > now.getTime()) return answer;
    await this.answers.deleteOne({ _id: id, expiresAt: answer.expiresAt }).exec();
    return null;
  }

  /** Deletes the answers that expired before `now` (a filter on an indexed field). Returns how many. */
  async sweepExpired(now: Date): Promise<number> {
    const { deletedCount } = await this.answers.deleteMany({ expiresAt: op({ $lt: new Date(now) }) }).exec();
    return deletedCount;
  }

  /**
   * Keeps the first answer: an insert under the id (the store's own compare-and-set). When a
   * concurrent repeat stored one first, that one is returned and this one is dropped. Through
   * mongoose (`create`), not insertUnlessExists: the schema validates and casts the answer, whose
   * body is whatever a handler returned.
   */
  async remember(answer: IdempotentAnswer): Promise<IdempotentAnswer> {
    try {
      await this.answers.create(answer);
      return answer;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const first = await this.answers.findById(answer._id).lean<IdempotentAnswer>().exec();
      return first ?? answer;
    }
  }
}
