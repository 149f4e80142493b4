import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { deliveryModel, dueDeliveriesQuery } from '../../apps/notifications/src/deliveries/delivery.repository.js';
import {
  claimListQuery,
  claimModel,
  claimTransitionModel,
  deadlineModel,
  dueDeadlinesQuery,
  leaseModel,
  openMongoConnection,
  PENDING_TRANSITIONS,
  REVIEW_QUEUE_QUERY,
} from '../../libs/persistence/src/index.js';

/**
 * Every query on a hot path (relay, deadline poller, mail sender, review queue, claim list) must
 * be answered by `_id` or by a filter the store pushes down, so that finished rows (published
 * events, fired deadlines, sent mail) are filtered inside the store and not shipped and scanned
 * in FerretDB on every poll. FerretDB on PostgreSQL (the default) pushes equality filters down;
 * on SQLite only `_id` lookups are (docs/performance.md), so there the test checks those.
 */
describe('hot queries are pushed down to the store', () => {
  let connection: Connection;
  let backend: 'postgresql' | 'sqlite' | 'mongodb';

  const explain = async (model: { collection: { find(filter: object): { explain(): Promise<unknown> } } }, filter: object) =>
    (await model.collection.find(filter).explain()) as { filterPushdown?: boolean; queryPlanner?: Record<string, unknown> };

  beforeAll(async () => {
    connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_it_explain_${randomUUID().slice(0, 8)}`);
    // Create each collection (and its indexes) so there is something to plan against.
    for (const model of [claimModel(connection), claimTransitionModel(connection), deadlineModel(connection), deliveryModel(connection), leaseModel(connection)]) {
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

  it('lookups by _id (snapshot, transition row, lease, deadline, delivery) are pushed down on every backend', async () => {
    for (const model of [claimModel(connection), claimTransitionModel(connection), leaseModel(connection), deadlineModel(connection), deliveryModel(connection)]) {
      const plan = await explain(model as never, { _id: 'claim-1:2' });
      if (backend !== 'mongodb') expect(plan.filterPushdown).toBe(true);
    }
  });

  it('relay, deadline poller, mail sender, review queue, claim list and lease lookups: the filter is pushed down (FerretDB on PostgreSQL)', async () => {
    const now = new Date();
    const hot: Array<[string, unknown, object]> = [
      ['relay: pending transition rows', claimTransitionModel(connection), PENDING_TRANSITIONS],
      ['deadline poller: due deadlines', deadlineModel(connection), dueDeadlinesQuery('review', now, now)],
      ['mail sender: due deliveries', deliveryModel(connection), dueDeliveriesQuery(now)],
      ['review queue', claimModel(connection), REVIEW_QUEUE_QUERY],
      ['claim list of a partner', claimModel(connection), claimListQuery({ partnerId: 'p-1' })],
      ['claim list of a partner, one status', claimModel(connection), claimListQuery({ partnerId: 'p-1', statuses: ['Submitted'] })],
      ['lease lookup', leaseModel(connection), { key: 'outbox-relay' }],
    ];
    const notPushedDown: string[] = [];
    for (const [name, model, filter] of hot) {
      const plan = await explain(model as never, filter);
      if (backend === 'postgresql' && plan.filterPushdown !== true) notPushedDown.push(name);
      if (backend === 'sqlite') expect(plan.filterPushdown).toBe(false); // the documented SQLite limitation
    }
    expect(notPushedDown).toEqual([]);
  });
});
