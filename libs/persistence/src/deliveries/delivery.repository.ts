import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { insertUnlessExists } from '../insert-unless-exists.js';
import { LeaseHolder, LeaseStore, leaseModel, type WorkLease } from '../leases.js';
import { op } from '../trusted.js';
import type { RecipientRole } from '@cpor/domain';

export type DeliveryStatus = 'pending' | 'sent';

/**
 * One email to one recipient for one event. The id is deterministic, so planning the same event
 * again finds the row already there and creates nothing.
 */
export interface Delivery {
  /** `${eventId}:${template}:${recipientEmail}` (email lower-cased). */
  _id: string;
  /** Short hash of the id: what logs and the Message-ID show instead of the address. */
  ref: string;
  eventId: string;
  eventType: string;
  claimId: string;
  template: string;
  role: RecipientRole;
  to: string;
  toName?: string;
  subject: string;
  /** Bodies are dropped once sent: the store is a queue, not a mail archive (the consent link is a secret). */
  text?: string;
  html?: string;
  status: DeliveryStatus;
  /** Send attempts made (failed ones and the successful one). */
  attempts: number;
  nextAttemptAt: Date;
  /** The last failure, without personal data (error code, SMTP response code, command). */
  lastError?: string;
  createdAt: Date;
  sentAt?: Date;
  messageId?: string;
}

export type NewDelivery = Pick<Delivery, 'eventId' | 'eventType' | 'claimId' | 'template' | 'role' | 'to' | 'toName' | 'subject' | 'text' | 'html'>;

const deliverySchema = new Schema<Delivery>(
  {
    _id: { type: String, required: true },
    ref: { type: String, required: true, index: true },
    eventId: { type: String, required: true, index: true },
    eventType: { type: String, required: true },
    claimId: { type: String, required: true, index: true },
    template: { type: String, required: true },
    role: { type: String, required: true },
    to: { type: String, required: true },
    toName: { type: String },
    subject: { type: String, required: true },
    text: { type: String },
    html: { type: String },
    status: { type: String, required: true },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    lastError: { type: String },
    createdAt: { type: Date, required: true },
    sentAt: { type: Date },
    messageId: { type: String },
  },
  { collection: 'deliveries', versionKey: false },
);
deliverySchema.index({ status: 1, nextAttemptAt: 1 });

export function deliveryModel(connection: Connection): Model<Delivery> {
  return (connection.models.Delivery as Model<Delivery> | undefined) ?? connection.model<Delivery>('Delivery', deliverySchema);
}

export function deliveryId(eventId: string, template: string, email: string): string {
  return `${eventId}:${template}:${email.trim().toLowerCase()}`;
}

export function deliveryRef(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 32);
}

/**
 * The deliveries and their leases. Every write is a single-document operation (FerretDB has no
 * transactions), and every write that must not happen twice is an insert on a deterministic key.
 */
export class DeliveryRepository {
  constructor(
    private readonly deliveries: Model<Delivery>,
    private readonly leases: LeaseStore,
  ) {}

  static forConnection(connection: Connection): DeliveryRepository {
    return new DeliveryRepository(deliveryModel(connection), new LeaseStore(leaseModel(connection)));
  }

  /**
   * Records a pending delivery; false when it already existed (a replayed or duplicated event).
   * A plain insert on the deterministic _id: the unique key is the exactly-once guard.
   */
  async insertPending(delivery: NewDelivery, createdAt: Date): Promise<{ created: boolean; id: string; ref: string }> {
    const id = deliveryId(delivery.eventId, delivery.template, delivery.to);
    const ref = deliveryRef(id);
    // createdAt is business time (the injectable clock); sending is due now in wall-clock time, like every retry.
    const doc: Delivery = { ...delivery, _id: id, ref, status: 'pending', attempts: 0, nextAttemptAt: new Date(), createdAt };
    const created = await insertUnlessExists(this.deliveries, stripUndefined(doc));
    return { created, id, ref };
  }

  /**
   * Whether any delivery is due now: the sender's look before it takes its lease. Unsorted, so
   * FerretDB stops at the first match; a sorted query (as `due`) sorts in FerretDB, after decoding
   * every pending row, which under a backlog of thousands of emails cost as much as a round.
   */
  async anyDue(now: Date): Promise<boolean> {
    return (await this.deliveries.exists(dueDeliveriesQuery(now)).exec()) !== null;
  }

  /**
   * Up to `limit` pending deliveries due now, oldest first among them: one query for a round of
   * sends. Not sorted by the store: FerretDB v1 sorts in Go after decoding every row its filter
   * matches, so under a backlog each round of 500 decoded every pending email (thousands, with
   * their bodies, in a 5,000-claim burst); unsorted, it stops at the limit. The rows come in
   * storage order, which is close to the order they were recorded in; each round sends all it
   * read, and rounds go on until nothing is due.
   */
  async due(now: Date, limit: number): Promise<Delivery[]> {
    const rows = await this.deliveries.find(dueDeliveriesQuery(now)).limit(limit).batchSize(limit).lean<Delivery[]>().exec();
    return rows.sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime());
  }

  /** The lease senders take turns with, so one instance sends at a time. */
  senderLease(ttlMs: number, renewBelowMs?: number): WorkLease {
    return new LeaseHolder(this.leases, 'mail-sender', ttlMs, renewBelowMs);
  }

  /**
   * Filtered by `_id` alone: with `status` beside it, PostgreSQL (under FerretDB) combined the
   * `_id` index with the status index and read every pending row's entry for each email sent. A
   * row already sent (sent again after its sender's lease lapsed) is marked again, with the same
   * Message-ID. Idempotent (the attempt count is set, not incremented): a mark repeated after an
   * answer lost in an outage changes nothing twice.
   */
  async markSent(delivery: Delivery, sentAt: Date, messageId: string): Promise<void> {
    await this.deliveries
      .updateOne(
        { _id: delivery._id },
        { $set: { status: 'sent', sentAt, messageId, attempts: delivery.attempts + 1 }, $unset: { text: 1, html: 1 } },
      )
      .exec();
  }

  /** Records the failed attempt; the delivery is due again at nextAttemptAt. */
  async markFailed(delivery: Delivery, nextAttemptAt: Date, lastError: string): Promise<void> {
    await this.deliveries
      .updateOne({ _id: delivery._id, status: 'pending' }, { $set: { nextAttemptAt, lastError: lastError.slice(0, 300) }, $inc: { attempts: 1 } })
      .exec();
  }

  /**
   * Emails waiting to be sent, for metrics (at most every 30 s): all of them, and those that
   * failed at least once and wait for a retry. One query on the pending rows (an equality the
   * store pushes down; sent rows leave it), only the attempt count of each coming back.
   */
  async queueCounts(): Promise<{ queued: number; retrying: number }> {
    const rows = await this.deliveries.find(QUEUED_DELIVERIES, { _id: 0, attempts: 1 }).lean<Array<Pick<Delivery, 'attempts'>>>().exec();
    return { queued: rows.length, retrying: rows.filter((row) => (row.attempts ?? 0) > 0).length };
  }

  async findByEvent(eventId: string): Promise<Delivery[]> {
    return this.deliveries.find({ eventId }).sort({ _id: 1 }).lean<Delivery[]>().exec();
  }

}

/** Deliveries not sent yet, due or waiting for a retry (an equality the store pushes down). */
export const QUEUED_DELIVERIES = { status: 'pending' } as const;

/** The sender's query: pending rows (an equality the store pushes down; sent rows leave it) that are due. */
export function dueDeliveriesQuery(now: Date): Record<string, unknown> {
  return { status: 'pending', nextAttemptAt: op({ $lte: now }) };
}

/** What the service and the sender need from the store (unit tests give an in-memory one). */
export type DeliveryQueue = Pick<DeliveryRepository, 'insertPending' | 'anyDue' | 'due' | 'senderLease' | 'markSent' | 'markFailed'>;

/** The row without its undefined fields (the driver would store them as null); only optional fields are ever undefined. */
function stripUndefined<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined)) as T;
}
