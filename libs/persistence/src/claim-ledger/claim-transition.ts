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

/**
 * A transition row as the store holds it: the fields it is queried by, and the rest (state,
 * history entry, outbox) in one JSON text, `content`. FerretDB v1 stores a type schema beside
 * every value of a document and decodes and re-encodes it all on every read and update; a row
 * of nested objects cost FerretDB and PostgreSQL 4.97 ms of CPU over its insert, the relay's
 * read and its acknowledgement, against 2.13 ms as one text (docs/performance-history.md). Nothing
 * queries inside it. Written by storedTransition, read back
 * by readTransition (every reader of the collection goes through it).
 */
export interface StoredTransition extends Omit<ClaimTransition, 'state' | 'history' | 'outbox'> {
  content: string;
}

type TransitionContent = Pick<ClaimTransition, 'state' | 'history' | 'outbox'>;

export function storedTransition(row: ClaimTransition): StoredTransition {
  const { state, history, outbox, ...keys } = row;
  return { ...keys, content: JSON.stringify({ state, history, outbox } satisfies TransitionContent) };
}

/** A row as the ledger and the relay use it. Rows written before `content` hold its fields as they are. */
export function readTransition(doc: StoredTransition | ClaimTransition): ClaimTransition {
  if (!('content' in doc) || typeof doc.content !== 'string') return doc as ClaimTransition;
  const { content, ...keys } = doc;
  return { ...keys, ...(JSON.parse(content) as TransitionContent) };
}

const transitionSchema = new Schema(
  {
    _id: { type: String, required: true },
    claimId: { type: String, required: true },
    version: { type: Number, required: true },
    at: { type: Date, required: true },
    commandId: { type: String },
    content: { type: String, required: true },
    pending: { type: Boolean },
    relayBucket: { type: Number },
  },
  { collection: 'claim_transitions', versionKey: false, minimize: false },
);
// The relay's query: only rows still to publish (sparse: published rows leave the index).
transitionSchema.index({ pending: 1 }, { sparse: true });
// The relay's query under a backlog: one bucket's pending rows (published rows have no bucket).
transitionSchema.index({ relayBucket: 1 }, { sparse: true });

export type ClaimTransitionModel = Model<StoredTransition>;

export function claimTransitionModel(connection: Connection): ClaimTransitionModel {
  return (connection.models.ClaimTransition as ClaimTransitionModel | undefined) ?? (connection.model('ClaimTransition', transitionSchema) as unknown as ClaimTransitionModel);
}

export function transitionId(claimId: string, version: number): string {
  return `${claimId}:${version}`;
}

/**
 * A claim's log rows after `version`, in order, each found by its `_id` (the one filter every
 * backend pushes down), up to the first version not written. `onLookup` is told of each lookup
 * (the ledger counts its round trips).
 */
export async function transitionsAfter(transitions: ClaimTransitionModel, claimId: string, version: number, onLookup: () => void = () => undefined): Promise<ClaimTransition[]> {
  const rows: ClaimTransition[] = [];
  for (let next = version + 1; ; next++) {
    onLookup();
    const row = await transitions.findById(transitionId(claimId, next)).lean<StoredTransition>().exec();
    if (!row) return rows;
    rows.push(readTransition(row));
  }
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
