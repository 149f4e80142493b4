import { describe, expect, it } from '@jest/globals';
import { PENDING_TRANSITIONS, readOutboxBacklog } from './claim-ledger/outbox-relay.js';
import { DeadlineStore, pendingDeadlinesQuery, summarizeDeadlines } from './deadlines/deadline-store.js';
import { DeliveryRepository, QUEUED_DELIVERIES } from './deliveries/delivery.repository.js';

// What the metrics read from the store, against fake models: which query, which fields, what comes out.

/** A model whose find(filter, projection).lean().exec() answers `rows` and records what it was asked. */
function fakeModel(rows: object[]) {
  const asked: Array<{ filter: unknown; projection: unknown }> = [];
  const model = {
    asked,
    db: { models: { Lease: {} } },
    find: (filter: unknown, projection: unknown) => {
      asked.push({ filter, projection });
      return { lean: () => ({ exec: async () => rows }) };
    },
  };
  return model;
}

const at = (iso: string) => new Date(iso);

describe('outbox backlog', () => {
  it("reads the relay's pending rows once, only their commit time: how many, and the oldest", async () => {
    const model = fakeModel([{ at: at('2026-03-01T10:00:05Z') }, { at: at('2026-03-01T10:00:01Z') }, { at: at('2026-03-01T10:00:03Z') }]);
    expect(await readOutboxBacklog(model as never)).toEqual({ pending: 3, oldestAt: at('2026-03-01T10:00:01Z') });
    expect(model.asked).toEqual([{ filter: PENDING_TRANSITIONS, projection: { _id: 0, at: 1 } }]);
  });

  it('is empty when nothing is pending', async () => {
    expect(await readOutboxBacklog(fakeModel([]) as never)).toEqual({ pending: 0, oldestAt: null });
  });
});

describe('deadline summary', () => {
  const now = at('2026-03-02T12:00:00Z');

  it('counts pending, due and overdue deadlines per kind; listed kinds appear at 0', () => {
    const rows = [
      { kind: 'review-start', dueAt: at('2026-03-03T12:00:00Z') }, // runs
      { kind: 'review-start', dueAt: at('2026-03-02T11:59:30Z') }, // due 30 s ago
      { kind: 'decision', dueAt: at('2026-03-02T11:58:00Z') }, // due 2 min ago: overdue
      { kind: 'decision', dueAt: now }, // due right now
    ];
    expect(summarizeDeadlines(rows, now, 60_000, ['dispute-answer', 'decision'])).toEqual([
      { kind: 'decision', pending: 2, due: 2, overdue: 1 },
      { kind: 'dispute-answer', pending: 0, due: 0, overdue: 0 },
      { kind: 'review-start', pending: 2, due: 1, overdue: 0 },
    ]);
  });

  it("DeadlineStore.pendingSummary reads the owner's pending rows (kind and due time only) at the store's clock", async () => {
    const model = fakeModel([{ kind: 'consent-window', dueAt: at('2026-03-02T11:00:00Z') }]);
    const store = new DeadlineStore(model as never, 'consent', { now: () => now });
    expect(await store.pendingSummary(60_000, ['consent-window'])).toEqual([{ kind: 'consent-window', pending: 1, due: 1, overdue: 1 }]);
    expect(model.asked).toEqual([{ filter: pendingDeadlinesQuery('consent'), projection: { _id: 0, kind: 1, dueAt: 1 } }]);
    expect(pendingDeadlinesQuery('consent')).toEqual({ owner: 'consent', status: 'pending' });
  });
});

describe('email queue', () => {
  it('counts the pending deliveries and those that failed at least once, reading only their attempts', async () => {
    const model = fakeModel([{ attempts: 0 }, { attempts: 3 }, {}, { attempts: 1 }]);
    const repository = new DeliveryRepository(model as never, {} as never);
    expect(await repository.queueCounts()).toEqual({ queued: 4, retrying: 2 });
    expect(model.asked).toEqual([{ filter: QUEUED_DELIVERIES, projection: { _id: 0, attempts: 1 } }]);
  });
});
