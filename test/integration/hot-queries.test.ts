import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { deliveryModel, dueDeliveriesQuery, claimListQuery, claimModel, claimTransitionModel, deadlineModel, dueDeadlinesQuery, cancellableDeadlinesQuery, exactDeadlinesQuery, pendingDeadlinesQuery, pollDayOf, leaseModel, openMongoConnection, PENDING_TRANSITIONS, refusedRequestModel, pendingTransitionsInBucket, QUEUED_DELIVERIES, REVIEW_QUEUE_QUERY } from '@cpor/persistence';

/**
 * Every query on a hot path (relay, deadline poller, mail sender, review queue, claim list, the
 * store gauges of /metrics) must be answered by `_id` or by a filter the store pushes down, so
 * that finished rows (published events, fired deadlines, sent mail) are filtered inside the store
 * and not shipped and scanned in FerretDB on every poll. FerretDB on PostgreSQL (the default) pushes equality filters down;
 * on SQLite only `_id` lookups are (docs/performance-history.md), so there the test checks those.
 */
describe('hot queries are pushed down to the store', () => {
  let connection: Connection;
  let backend: 'postgresql' | 'sqlite' | 'mongodb';

  const explain = async (model: { collection: { find(filter: object): { explain(): Promise<unknown> } } }, filter: object) =>
    (await model.collection.find(filter).explain()) as { filterPushdown?: boolean; queryPlanner?: Record<string, unknown> };

  beforeAll(async () => {
    connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_it_explain_${randomUUID().slice(0, 8)}`);
    // Create each collection (and its indexes) so there is something to plan against.
    for (const model of [claimModel(connection), claimTransitionModel(connection), deadlineModel(connection), deliveryModel(connection), leaseModel(connection), refusedRequestModel(connection)]) {
      await model.createCollection().catch(() => undefined);
      await model.init();
    }
    const plan = await explain(claimModel(connection), { _id: 'x' });
    // PostgreSQL's plan is an object (EXPLAIN JSON), SQLite's a list of EXPLAIN QUERY PLAN lines.
    const pgPlan = plan.queryPlanner?.Plan;
    backend = plan.filterPushdown === undefined ? 'mongodb' : pgPlan && !Array.isArray(pgPlan) ? 'postgresql' : 'sqlite';
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('lookups by _id (snapshot, transition row, lease, deadline, delivery, refused upstream request) are pushed down on every backend', async () => {
    for (const model of [claimModel(connection), claimTransitionModel(connection), leaseModel(connection), deadlineModel(connection), deliveryModel(connection), refusedRequestModel(connection)]) {
      const plan = await explain(model as never, { _id: 'claim-1:2' });
      if (backend !== 'mongodb') expect(plan.filterPushdown).toBe(true);
    }
  });

  it('relay, deadline poller, mail sender, review queue, claim list and lease lookups: the filter is pushed down (FerretDB on PostgreSQL)', async () => {
    const now = new Date();
    const hot: Array<[string, unknown, object]> = [
      ['relay: pending transition rows', claimTransitionModel(connection), PENDING_TRANSITIONS],
      ['relay: pending rows of one bucket', claimTransitionModel(connection), pendingTransitionsInBucket(3)],
      ['deadline poller: due deadlines', deadlineModel(connection), dueDeadlinesQuery('review', now, now)],
      ['deadline poller: due deadlines of one poll day', deadlineModel(connection), dueDeadlinesQuery('review', now, now, pollDayOf(now, now))],
      ['mail sender: due deliveries', deliveryModel(connection), dueDeliveriesQuery(now)],
      ['review queue', claimModel(connection), REVIEW_QUEUE_QUERY],
      ['claim list of a partner', claimModel(connection), claimListQuery({ partnerId: 'p-1' })],
      ['claim list of a partner, one status', claimModel(connection), claimListQuery({ partnerId: 'p-1', statuses: ['Submitted'] })],
      ['lease lookup', leaseModel(connection), { key: 'outbox-relay' }],
      ['metrics: pending deadlines of an owner', deadlineModel(connection), pendingDeadlinesQuery('review')],
      ['deadlines: cancelling the pending ones of a claim', deadlineModel(connection), cancellableDeadlinesQuery('review', 'claim-1', ['x'], 3)],
      ['deadlines: cancelling the ones a decided dispute ended', deadlineModel(connection), exactDeadlinesQuery('claim-1', ['review:dispute-answer:claim-1:3:d1'])],
      ['metrics: queued emails', deliveryModel(connection), QUEUED_DELIVERIES],
    ];
    const notPushedDown: string[] = [];
    for (const [name, model, filter] of hot) {
      const plan = await explain(model as never, filter);
      if (backend === 'postgresql' && plan.filterPushdown !== true) notPushedDown.push(name);
      if (backend === 'sqlite') expect(plan.filterPushdown).toBe(false); // the documented SQLite limitation
    }
    expect(notPushedDown).toEqual([]);
  });

  it('on PostgreSQL, each hot query is served by an index, so done rows are not read (the GIN twins of infra/postgres)', async () => {
    if (backend !== 'postgresql') {
      // The twins are a PostgreSQL matter; SQLite reads every row for anything but _id (see above).
      expect(['sqlite', 'mongodb']).toContain(backend);
      return;
    }
    // Done rows the hot queries must not read: published transitions, fired deadlines, sent
    // deliveries, claims out of the review queue.
    const done = Array.from({ length: 1_500 }, (_, i) => i);
    const old = new Date('2026-01-01T00:00:00.000Z');
    const fill = async (model: { collection: { insertMany(docs: object[]): Promise<unknown> } }, row: (i: number) => object) => {
      for (let start = 0; start < done.length; start += 500) await model.collection.insertMany(done.slice(start, start + 500).map(row));
    };
    await fill(claimTransitionModel(connection), (i) => ({ _id: `done-${i}:1`, claimId: `done-${i}`, version: 1 }));
    await fill(deadlineModel(connection), (i) => ({ _id: `review:x:done-${i}:1`, owner: 'review', kind: 'x', claimId: `done-${i}`, status: 'fired', dueAt: old }));
    await fill(deliveryModel(connection), (i) => ({ _id: `e-${i}:t:a@b.example`, status: 'sent', nextAttemptAt: old }));
    await fill(claimModel(connection), (i) => ({ _id: `done-${i}`, partnerId: `p-${i % 50}`, status: 'Eligible', reviewQueued: false, createdAt: old }));
    await fill(leaseModel(connection), (i) => ({ _id: `delivery:${i}#1`, key: `delivery:${i}`, generation: 1, until: old }));

    const now = new Date();
    const hot: Array<[string, unknown, object]> = [
      ['lookup by _id', claimTransitionModel(connection), { _id: 'done-7:1' }],
      ['snapshot by _id', claimModel(connection), { _id: 'done-7' }],
      ['relay: pending transition rows', claimTransitionModel(connection), PENDING_TRANSITIONS],
      ['relay: pending rows of one bucket', claimTransitionModel(connection), pendingTransitionsInBucket(3)],
      ['deadline poller: due deadlines', deadlineModel(connection), dueDeadlinesQuery('review', now, now)],
      ['deadline poller: due deadlines of one poll day', deadlineModel(connection), dueDeadlinesQuery('review', now, now, pollDayOf(now, now))],
      ['mail sender: due deliveries', deliveryModel(connection), dueDeliveriesQuery(now)],
      ['review queue', claimModel(connection), REVIEW_QUEUE_QUERY],
      ['claim list of a partner', claimModel(connection), claimListQuery({ partnerId: 'p-1' })],
      ['lease lookup', leaseModel(connection), { key: 'delivery:7' }],
      ['metrics: pending deadlines of an owner', deadlineModel(connection), pendingDeadlinesQuery('review')],
      ['deadlines: cancelling the pending ones of a claim', deadlineModel(connection), cancellableDeadlinesQuery('review', 'claim-1', ['x'], 3)],
      ['deadlines: cancelling the ones a decided dispute ended', deadlineModel(connection), exactDeadlinesQuery('claim-1', ['review:dispute-answer:claim-1:3:d1'])],
      ['metrics: queued emails', deliveryModel(connection), QUEUED_DELIVERIES],
    ];
    const scanned: string[] = [];
    for (const [name, model, filter] of hot) {
      const plan = await explain(model as never, filter);
      const indexes = indexNames(plan.queryPlanner?.Plan);
      if (!indexes.some((index) => index.endsWith('_gin'))) scanned.push(`${name}: ${JSON.stringify(plan.queryPlanner?.Plan)}`);
    }
    expect(scanned).toEqual([]);
  });
});

/** Every "Index Name" in a PostgreSQL EXPLAIN (FORMAT JSON) plan tree. */
function indexNames(node: unknown): string[] {
  if (!node || typeof node !== 'object') return [];
  const own = (node as Record<string, unknown>)['Index Name'];
  const children = ((node as Record<string, unknown>).Plans as unknown[] | undefined) ?? [];
  return [...(typeof own === 'string' ? [own] : []), ...children.flatMap(indexNames)];
}
