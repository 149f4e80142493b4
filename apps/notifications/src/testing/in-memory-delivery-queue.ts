import { type WorkLease, deliveryId, deliveryRef, type Delivery, type DeliveryQueue, type NewDelivery } from '@cpor/persistence';

/** The delivery store's semantics in memory, for unit specs (the integration test uses the real one). */
export class InMemoryDeliveryQueue implements DeliveryQueue {
  readonly rows = new Map<string, Delivery>();
  /** The sender lease's holder (null: free). */
  senderLeaseHolder: WorkLease | null = null;

  /** Wall-clock "now" for new deliveries; specs with a fake sender clock set it. */
  now: () => Date = () => new Date();

  async insertPending(delivery: NewDelivery, createdAt: Date): Promise<{ created: boolean; id: string; ref: string }> {
    const id = deliveryId(delivery.eventId, delivery.template, delivery.to);
    const ref = deliveryRef(id);
    if (this.rows.has(id)) return { created: false, id, ref };
    this.rows.set(id, { ...delivery, _id: id, ref, status: 'pending', attempts: 0, nextAttemptAt: this.now(), createdAt });
    return { created: true, id, ref };
  }

  async anyDue(now: Date): Promise<boolean> {
    return (await this.due(now, 1)).length > 0;
  }

  async due(now: Date, limit: number): Promise<Delivery[]> {
    return [...this.rows.values()]
      .filter((d) => d.status === 'pending' && d.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
      .slice(0, limit)
      .map((d) => ({ ...d }));
  }

  /** One sender lease for everything using this queue; `holder` is who has it (null: free). */
  senderLease(): WorkLease {
    const lease = {
      hold: async () => {
        if (this.senderLeaseHolder !== null && this.senderLeaseHolder !== lease) return false;
        this.senderLeaseHolder = lease;
        return true;
      },
      release: async () => {
        if (this.senderLeaseHolder === lease) this.senderLeaseHolder = null;
      },
      remainingMs: () => (this.senderLeaseHolder === lease ? Number.MAX_SAFE_INTEGER : 0),
    };
    return lease;
  }

  async markSent(delivery: Delivery, sentAt: Date, messageId: string): Promise<void> {
    const row = this.rows.get(delivery._id);
    if (!row) return;
    Object.assign(row, { status: 'sent', sentAt, messageId, attempts: delivery.attempts + 1, text: undefined, html: undefined });
  }

  async markFailed(delivery: Delivery, nextAttemptAt: Date, lastError: string): Promise<void> {
    const row = this.rows.get(delivery._id);
    if (!row || row.status !== 'pending') return;
    Object.assign(row, { nextAttemptAt, lastError, attempts: row.attempts + 1 });
  }
}
