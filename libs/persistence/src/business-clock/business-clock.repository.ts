import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { MAX_CLOCK_OFFSET_MS } from '@cpor/kernel';
import { op } from '../trusted.js';

/**
 * One move of the controlled business clock: the offset from the wall clock it set, when, and by
 * whom. Rows are only ever inserted, and the clock's offset is the largest of them: the clock
 * cannot go back, whatever order concurrent moves land in (no read-modify-write to race).
 */
export interface BusinessClockMove {
  _id: string;
  offsetMs: number;
  at: Date;
  by: string;
}

const moveSchema = new Schema<BusinessClockMove>(
  {
    _id: { type: String, required: true },
    offsetMs: { type: Number, required: true, index: true },
    at: { type: Date, required: true },
    by: { type: String, required: true },
  },
  { collection: 'business_clock_moves', versionKey: false },
);

export function businessClockMoveModel(connection: Connection): Model<BusinessClockMove> {
  return (
    (connection.models.BusinessClockMove as Model<BusinessClockMove> | undefined) ??
    connection.model<BusinessClockMove>('BusinessClockMove', moveSchema)
  );
}

export class BusinessClockRepository {
  constructor(private readonly moves: Model<BusinessClockMove>) {}

  /**
   * The offset every service's business clock runs at (0 before the first move): the largest
   * recorded within MAX_CLOCK_OFFSET_MS (a move beyond it, recorded before moves were bounded,
   * is left out rather than hiding every later move).
   */
  async offsetMs(): Promise<number> {
    const latest = await this.moves
      .findOne({ offsetMs: op({ $lte: MAX_CLOCK_OFFSET_MS }) }, { offsetMs: 1 })
      .sort({ offsetMs: -1 })
      .lean<{ offsetMs: number }>()
      .exec();
    return latest?.offsetMs ?? 0;
  }

  async record(offsetMs: number, by: string, at: Date): Promise<void> {
    await this.moves.create({ _id: randomUUID(), offsetMs: Math.round(offsetMs), at, by: String(by).slice(0, 200) });
  }
}
