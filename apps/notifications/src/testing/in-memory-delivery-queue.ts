import { deliveryId, deliveryRef, type Delivery, type DeliveryQueue, type NewDelivery } from '../deliveries/delivery.repository.js';

/** The delivery store's semantics in memory, for unit specs (the integration test uses the real one). */
export class InMemoryDeliveryQueue implements DeliveryQueue {
  readonly rows = new Map<string, Delivery>();

  async insertPending(delivery: NewDelivery, now: Date): Promise<{ created: boolean; id: string; ref: string }> {
    const id = deliveryId(delivery.eventId, delivery.template, delivery.to);
    const ref = deliveryRef(id);
    if (this.rows.has(id)) return { created: false, id, ref };
    this.rows.set(id, { ...delivery, _id: id, ref, status: 'pending', attempts: 0, nextAttemptAt: now, leaseUntil: null, createdAt: now });
    return { created: true, id, ref };
  }

  async leaseNext(now: Date, leaseMs: number): Promise<Delivery | null> {
    const due = [...this.rows.values()]
      .filter((d) => d.status === 'pending' && d.nextAttemptAt <= now && (d.leaseUntil === null || d.leaseUntil <= now))
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime());
    if (!due[0]) return null;
    due[0].leaseUntil = new Date(now.getTime() + leaseMs);
    return { ...due[0] };
  }

  async markSent(id: string, sentAt: Date, messageId: string): Promise<void> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'pending') return;
    Object.assign(row, { status: 'sent', sentAt, messageId, leaseUntil: null, attempts: row.attempts + 1, text: undefined, html: undefined });
  }

  async markFailed(id: string, nextAttemptAt: Date, lastError: string): Promise<void> {
    const row = this.rows.get(id);
    if (!row || row.status !== 'pending') return;
    Object.assign(row, { nextAttemptAt, lastError, leaseUntil: null, attempts: row.attempts + 1 });
  }
}
