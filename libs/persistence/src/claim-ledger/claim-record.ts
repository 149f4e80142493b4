import { Schema, type Connection, type Model } from 'mongoose';
import type { CloudEvent } from '@cpor/contracts';
import type { ClaimState, ClaimStatus, HistoryEntry } from '@cpor/domain';

/** One event a transition publishes (through the relay, from its `claim_transitions` row). */
export interface OutboxEntry {
  topic: string;
  event: CloudEvent;
}

export interface HistoryRecord extends HistoryEntry {
  version: number;
  eventIds: string[];
}

/**
 * The claim's snapshot: the newest row of its transition log (`claim_transitions`), kept in one
 * document for reads and queries. It is written after the transition row and can always be
 * rebuilt from the log; the ledger repairs one that lags behind. Applied command ids are kept
 * for idempotency. `partnerId`, `status`, `customerTenantId`... are copies of state fields for queries.
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
  appliedCommandIds: string[];
  /** True while the claim waits for a reviewer (submitted, under review, open dispute): the queue's equality filter. */
  reviewQueued: boolean;
  /** Since when it waits (the queue's order); null otherwise. */
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
    updatedAt: { type: Date, required: true, index: true },
    state: { type: Schema.Types.Mixed, required: true },
    history: { type: Array, default: [] },
    appliedCommandIds: { type: [String], default: [] },
    reviewQueued: { type: Boolean, default: false, index: true },
    reviewQueuedAt: { type: Date, default: null },
  },
  { collection: 'claims', versionKey: false, minimize: false },
);

export type ClaimModel = Model<ClaimRecord>;

export function claimModel(connection: Connection): ClaimModel {
  return (connection.models.Claim as ClaimModel | undefined) ?? (connection.model('Claim', claimSchema) as unknown as ClaimModel);
}
