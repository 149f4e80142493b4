import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, REQUEST_TYPES, TOPICS } from '@cpor/contracts';
import { http } from '../support/http.js';
import { distinctEvents, TestKafkaClient } from '../support/kafka-client.js';
import { claimFields, LifecycleDriver } from '../support/lifecycle-driver.js';
import { startSystem, type RunningSystem } from '../support/system.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

// The store goes away for longer than a handler's retry budget (5 attempts): the records wait,
// nothing is dead-lettered or rejected, and everything is applied once the store is back.
describe('store outage', () => {
  const mongo = new URL(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
  const proxy = new TcpProxy(mongo.hostname, Number(mongo.port || 27017));
  let system: RunningSystem;
  let kafka: TestKafkaClient;

  beforeAll(async () => {
    const port = await proxy.start();
    system = await startSystem({ MONGO_URL: `mongodb://127.0.0.1:${port}`, MONGO_SERVER_SELECTION_TIMEOUT_MS: '500' });
    kafka = new TestKafkaClient(system.topicPrefix);
    await kafka.connect();
    await kafka.collect([TOPICS.claimRequestsRejected, `${TOPICS.claimRequests}.intake.dlq`, `${TOPICS.claimEvents}.review.dlq`, TOPICS.claimEvents]);
  });

  afterAll(async () => {
    await proxy.restore();
    await kafka?.disconnect();
    await system?.stop();
    await proxy.close();
  });

  it('HTTP answers 503 while the store is down; Kafka records wait and are applied once when it returns', async () => {
    const driver = new LifecycleDriver(system);
    const submitted = await driver.submitted(claimFields(`${system.runId}-before`));
    const partnerId = driver.partnerId;

    await proxy.cut();
    const during = await http('POST', `${system.urls.review}/v1/reviews/${submitted.id}/start`, { token: await driver.reviewer() });
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');

    const requestId = randomUUID();
    await kafka.sendEvent(TOPICS.claimRequests, {
      id: requestId,
      type: REQUEST_TYPES.create,
      subject: partnerId,
      data: { partnerId, requestedBy: 'crm', claim: claimFields(`${system.runId}-during`) },
    });
    // Longer than 5 attempts with their backoff (about 1.5 s plus 0.5 s per failed attempt).
    const metrics = async () => (await http('GET', `${system.urls.intake}/metrics`)).text;
    await waitFor(async () => {
      const failures = /cpor_messages_failed_total\{[^}]*group="intake"[^}]*\} (\d+)/.exec(await metrics());
      return Number(failures?.[1] ?? 0) >= 6;
    }, { timeoutMs: 60_000, message: 'the intake handler failing more often than its retry budget' });

    await proxy.restore();
    // Every service answers again within 10 s of the store's return (HTTP is not held back by the backlog).
    const retried = await waitFor(async () => {
      const answer = await http('POST', `${system.urls.review}/v1/reviews/${submitted.id}/start`, { token: await driver.reviewer() });
      return answer.status === 503 ? undefined : answer;
    }, { timeoutMs: 10_000, intervalMs: 250, message: 'the review API answering again after the store returned' });
    expect(retried.status).toBe(200);
    const created = await waitFor(async () => {
      const list = await http('GET', `${system.urls.intake}/v1/claims?customer=${encodeURIComponent(`Northwind ${system.runId}-during`)}`, { token: await driver.partner() });
      return list.body?.items?.[0];
    }, { timeoutMs: 60_000, message: 'the request sent during the outage applied' });
    expect(created.status).toBe('Editing');

    expect(kafka.on(`${TOPICS.claimRequests}.intake.dlq`)).toEqual([]);
    expect(kafka.on(TOPICS.claimRequestsRejected)).toEqual([]);
    const list = await http('GET', `${system.urls.intake}/v1/claims`, { token: await driver.partner() });
    expect(list.body.total).toBe(2);
  });

  it('a 60 s outage in the middle of a burst: HTTP answers again within 10 s of the return, every request applied once, each event under one id', async () => {
    const driver = new LifecycleDriver(system);
    const partnerId = driver.partnerId;
    const token = await driver.partner();
    const tag = `${system.runId}-burst`;
    const send = (i: number) =>
      kafka.sendEvent(TOPICS.claimRequests, {
        id: randomUUID(),
        type: REQUEST_TYPES.create,
        subject: partnerId,
        data: { partnerId, requestedBy: 'crm', claim: claimFields(`${tag}-${i}`) },
      });
    const burst = 40;
    for (let i = 0; i < burst / 2; i++) await send(i);
    await proxy.cut();
    for (let i = burst / 2; i < burst; i++) await send(i);
    // Down for a minute; HTTP keeps answering (503), it does not hang.
    const outageEnds = Date.now() + 60_000;
    while (Date.now() < outageEnds) {
      const during = await http('GET', `${system.urls.intake}/v1/claims?limit=1`, { token });
      expect(during.status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    await proxy.restore();
    await waitFor(async () => (await http('GET', `${system.urls.review}/v1/reviews/queue`, { token: await driver.reviewer() })).status === 200, {
      timeoutMs: 10_000,
      intervalMs: 250,
      message: 'the review API answering within 10 s of the store returning',
    });
    await waitFor(async () => (await http('GET', `${system.urls.intake}/v1/claims?limit=1`, { token })).status === 200, {
      timeoutMs: 10_000,
      intervalMs: 250,
      message: 'the intake API answering within 10 s of the store returning',
    });

    const mine = (record: { json: () => any }) => String(record.json()?.claim?.customer?.name ?? '').startsWith(`Northwind ${tag}-`);
    const created = await waitFor(() => {
      const events = distinctEvents(kafka.on(TOPICS.claimEvents)).filter((record) => record.headers.ce_type === EVENT_TYPES.created && mine(record));
      return events.length >= burst ? events : undefined;
    }, { timeoutMs: 120_000, message: `all ${burst} claims of the burst created and published` });
    // One created event per claim, and no transition published under two ids.
    expect(new Set(created.map((record) => record.headers.ce_subject)).size).toBe(burst);
    expect(created).toHaveLength(burst);
    const versions = distinctEvents(kafka.on(TOPICS.claimEvents)).filter(mine).map((record) => `${record.headers.ce_subject}:${record.headers.ce_claimversion}:${record.headers.ce_type}`);
    expect(new Set(versions).size).toBe(versions.length);
    expect(kafka.on(`${TOPICS.claimRequests}.intake.dlq`)).toEqual([]);
    expect(kafka.on(TOPICS.claimRequestsRejected)).toEqual([]);
  });
});
