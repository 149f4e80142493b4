import { deliveryId, deliveryRef, type Delivery, type DeliveryQueue, type LeasedDelivery, type NewDelivery } from '../deliveries/delivery.repository.js';

/** The delivery store's semantics in memory, for unit specs (the integration test uses the real one). */
export class InMemoryDeliveryQueue implements DeliveryQueue {
  readonly rows = new Map<string, Delivery>();
  /** deliveryId -> the current lease (generation and expiry). */
  readonly leases = new Map<string, { generation: number; expiresAt: Date; released: boolean }>();

  /** Wall-clock "now" for new deliveries; specs with a fake sender clock set it. */
  now: () => Date = () => new Date();

  async insertPending(delivery: NewDelivery, createdAt: Date): Promise<{ created: boolean; id: string; ref: string }> {
    const id = deliveryId(delivery.eventId, delivery.template, delivery.to);
    const ref = deliveryRef(id);
    if (this.rows.has(id)) return { created: false, id, ref };
    this.rows.set(id, { ...delivery, _id: id, ref, status: 'pending', attempts: 0, nextAttemptAt: this.now(), createdAt });
    return { created: true, id, ref };
  }

  async dueIds(now: Date, limit: number): Promise<string[]> {
    return [...this.rows.values()]
      .filter((d) => d.status === 'pending' && d.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
      .slice(0, limit)
      .map((d) => d._id);
  }

  async lease(id: string, now: Date, leaseMs: number): Promise<LeasedDelivery | null> {
    const row = this.rows.get(id);
    const lease = this.leases.get(id);
    if (lease && !lease.released && lease.expiresAt > now) return null;
    if (!row || row.status !== 'pending' || row.nextAttemptAt > now) return null;
    const generation = (lease?.generation ?? 0) + 1;
    this.leases.set(id, { generation, expiresAt: new Date(now.getTime() + leaseMs), released: false });
    return { ...row, leaseId: `${id}#${generation}` };
  }

  async markSent(delivery: LeasedDelivery, sentAt: Date, messageId: string): Promise<void> {
    const row = this.rows.get(delivery._id);
    if (!row || row.status !== 'pending') return;
    Object.assign(row, { status: 'sent', sentAt, messageId, attempts: row.attempts + 1, text: undefined, html: undefined });
  }

  async markFailed(delivery: LeasedDelivery, _now: Date, nextAttemptAt: Date, lastError: string): Promise<void> {
    const row = this.rows.get(delivery._id);
    if (!row || row.status !== 'pending') return;
    Object.assign(row, { nextAttemptAt, lastError, attempts: row.attempts + 1 });
    const lease = this.leases.get(delivery._id);
    if (lease) lease.released = true;
  }
}
