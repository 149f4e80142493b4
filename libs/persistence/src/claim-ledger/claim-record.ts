import { Schema, type Connection, type Model } from 'mongoose';
import type { CloudEvent } from '../../../contracts/src/envelope.js';
import type { ClaimState, ClaimStatus, HistoryEntry } from '../../../domain/src/index.js';

/** One event waiting in a claim's embedded outbox (the relay removes it once Kafka has it). */
export interface OutboxEntry {
  topic: string;
  event: CloudEvent;
}

export interface HistoryRecord extends HistoryEntry {
  version: number;
  eventIds: string[];
}

/**
 * The claim aggregate as stored: the domain state plus what the ledger needs to run it
 * (version for compare-and-set, history, outbox, applied command ids for idempotency).
 * `partnerId`, `status`, `customerTenantId`... are copies of state fields for indexed queries.
 */
export interface ClaimRecord {
  _id: string;
  version: number;
  partnerId: string;
  status: ClaimStatus;
  customerTenantId: string;
  customerName: string;
  createdAt: Date;
  updatedAt: Date;
  state: ClaimState;
  history: HistoryRecord[];
  outbox: OutboxEntry[];
  outboxPending: boolean;
  appliedCommandIds: string[];
  /** Since when the claim waits for a reviewer (submitted, under review, open dispute); null otherwise. */
  reviewQueuedAt: Date | null;
}

// Untyped definition: history and outbox are arrays of plain objects the ledger builds itself.
const claimSchema = new Schema(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    partnerId: { type: String, required: true, index: true },
    status: { type: String, required: true, index: true },
    customerTenantId: { type: String, index: true },
    customerName: { type: String },
    createdAt: { type: Date, required: true, index: true },
    updatedAt: { type: Date, required: true },
    state: { type: Schema.Types.Mixed, required: true },
    history: { type: Array, default: [] },
    outbox: { type: Array, default: [] },
    outboxPending: { type: Boolean, default: false, index: true },
    appliedCommandIds: { type: [String], default: [] },
    reviewQueuedAt: { type: Date, default: null, index: true },
  },
  { collection: 'claims', versionKey: false, minimize: false },
);

export type ClaimModel = Model<ClaimRecord>;

export function claimModel(connection: Connection): ClaimModel {
  return (connection.models.Claim as ClaimModel | undefined) ?? (connection.model('Claim', claimSchema) as unknown as ClaimModel);
}
