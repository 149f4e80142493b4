import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { TOPICS } from '@cpor/contracts';
import type { ClaimState } from '@cpor/domain';
import type { HistoryRecord, OutboxEntry } from './claim-record.js';

/**
 * One committed change of a claim: the claim's transition log, which is at once its history,
 * its outbox and the store's compare-and-set. `_id` is `<claimId>:<version>`, so of several
 * writers deciding from the same version exactly one insert succeeds (a unique key is the one
 * write FerretDB applies atomically); the others get a duplicate-key error, a conflict.
 * A row is never changed after its insert except by the relay, which unsets `pending` once
 * Kafka has its events.
 */
export interface ClaimTransition {
  _id: string;
  claimId: string;
  version: number;
  at: Date;
  /** Id of the request, event or deadline that caused it (idempotency). */
  commandId?: string;
  /** The whole claim after this transition: the newest row alone is the claim. */
  state: ClaimState;
  history: HistoryRecord;
  outbox: OutboxEntry[];
  /** Present (true) until the relay has published the outbox; absent afterwards. */
  pending?: true;
  /** Which part of the outbox the row waits in (relayBucketOf its claim); removed with `pending`. */
  relayBucket?: number;
}

const transitionSchema = new Schema(
  {
    _id: { type: String, required: true },
    claimId: { type: String, required: true },
    version: { type: Number, required: true },
    at: { type: Date, required: true },
    commandId: { type: String },
    state: { type: Schema.Types.Mixed, required: true },
    history: { type: Schema.Types.Mixed, required: true },
    outbox: { type: Array, default: [] },
    pending: { type: Boolean },
    relayBucket: { type: Number },
  },
  { collection: 'claim_transitions', versionKey: false, minimize: false },
);
// The relay's query: only rows still to publish (sparse: published rows leave the index).
transitionSchema.index({ pending: 1 }, { sparse: true });
// The relay's query under a backlog: one bucket's pending rows (published rows have no bucket).
transitionSchema.index({ relayBucket: 1 }, { sparse: true });

export type ClaimTransitionModel = Model<ClaimTransition>;

export function claimTransitionModel(connection: Connection): ClaimTransitionModel {
  return (connection.models.ClaimTransition as ClaimTransitionModel | undefined) ?? (connection.model('ClaimTransition', transitionSchema) as unknown as ClaimTransitionModel);
}

export function transitionId(claimId: string, version: number): string {
  return `${claimId}:${version}`;
}

/**
 * Parts the outbox is read in while it holds a backlog (see OutboxRelay's readPending). FerretDB v1
 * passes no limit to PostgreSQL for a filtered query, so reading 500 of 8,000 pending rows made
 * PostgreSQL produce and send all 8,000; one bucket's rows are a sixteenth of them.
 */
export const RELAY_BUCKETS = 16;

/** A claim's bucket: every row of a claim waits in the same one, so the relay keeps their order. */
export function relayBucketOf(claimId: string): number {
  return createHash('sha1').update(claimId).digest().readUInt32BE(0) % RELAY_BUCKETS;
}

/**
 * An outbox entry as it is published. A lifecycle event carries the claim as it stood after the
 * change; the row stores that state once (`state`) instead of once more in every event, which
 * halves what the store encodes and decodes per row (FerretDB decodes every row a query matches),
 * and it is put back here, on the way out.
 */
export function publishedEvent(row: Pick<ClaimTransition, 'state'>, entry: OutboxEntry): OutboxEntry {
  if (entry.topic !== TOPICS.claimEvents) return entry;
  const data = entry.event.data as Record<string, unknown>;
  if (data.claim !== undefined) return entry; // rows written before the state was stored once
  return { topic: entry.topic, event: { ...entry.event, data: { ...data, claim: row.state } } };
}
