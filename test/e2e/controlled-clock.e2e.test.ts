import { EVENT_TYPES, TOPICS } from '@cpor/contracts';
import { http } from '../support/http.js';
import { TestKafkaClient } from '../support/kafka-client.js';
import { claimFields, LifecycleDriver } from '../support/lifecycle-driver.js';
import { startSystem, type RunningSystem } from '../support/system.js';
import { waitFor } from '../support/wait-for.js';

const DAY_MS = 86_400_000;
const SERVICES = ['intake', 'review', 'consent', 'eligibility', 'notifications'] as const;

/** CLOCK_CONTROL=on: an operator moves the business clock of every service, and deadlines fire. */
describe('the controlled business clock', () => {
  let system: RunningSystem;
  let driver: LifecycleDriver;
  let kafka: TestKafkaClient;
  let ops: string;

  beforeAll(async () => {
    system = await startSystem({}, { clock: 'controlled' });
    driver = new LifecycleDriver(system);
    kafka = new TestKafkaClient(system.topicPrefix);
    await kafka.connect();
    await kafka.collect([TOPICS.claimEvents]);
    ops = await system.token({ sub: `operator-${system.runId}`, roles: ['cpor-ops'] });
  });

  afterAll(async () => {
    await kafka?.disconnect();
    await system?.stop();
  });

  const clockOf = async (service: (typeof SERVICES)[number]) => (await http('GET', `${system.urls[service]}/ops/clock`, { token: ops })).body as { now: string; offsetMs: number };

  it('only an operator reads or moves it', async () => {
    expect((await http('GET', `${system.urls.review}/ops/clock`)).status).toBe(401);
    const partner = await driver.partner();
    expect((await http('POST', `${system.urls.review}/ops/clock`, { token: partner, body: { by: 'P1D' } })).status).toBe(403);
    const clock = await clockOf('review');
    expect(Math.abs(Date.parse(clock.now) - Date.now())).toBeLessThan(60_000);
  });

  it('a move forward reaches every service, fires each deadline that fell due exactly once, and leaves Kafka timestamps on the wall clock', async () => {
    const claim = await driver.submitted(claimFields(`${system.runId}-clock`));
    const queued = await driver.queueItem(claim.id);
    expect(queued.sla?.sla).toBe('review-start');
    const before = Date.now();

    // Past the review-start SLA (5 business days), not yet past any other deadline.
    const moved = await http('POST', `${system.urls.intake}/ops/clock`, { token: ops, body: { by: 'P10D' } });
    expect(moved.status).toBe(200);
    expect(moved.body.offsetMs).toBeGreaterThan(10 * DAY_MS - 60_000);

    // Every service runs on the moved clock (each reads the offset from the store).
    await waitFor(async () => {
      const clocks = await Promise.all(SERVICES.map(clockOf));
      return clocks.every((clock) => clock.offsetMs === moved.body.offsetMs) ? clocks : undefined;
    }, { message: 'every service on the moved clock', timeoutMs: 10_000 });

    const breaches = await waitFor(async () => {
      const actions = await driver.historyActions(claim.id);
      return actions.includes('recordSlaBreach') ? actions : undefined;
    }, { message: 'the review-start SLA breach recorded', timeoutMs: 15_000 });
    expect(breaches.filter((action) => action === 'recordSlaBreach')).toHaveLength(1);
    const entry = (await driver.history(claim.id)).find((candidate) => candidate.action === 'recordSlaBreach')!;
    expect(Date.parse(entry.at)).toBeGreaterThan(before + 10 * DAY_MS - 60_000);

    // The breach's event carries the business time; its Kafka record the broker's (wall) time.
    const record = await waitFor(() => kafka.on(TOPICS.claimEvents).find((candidate) => candidate.key === claim.id && candidate.headers.ce_type === EVENT_TYPES.slaBreached));
    expect(Date.parse(record.headers.ce_time)).toBeGreaterThan(before + 10 * DAY_MS - 60_000);
    expect(Math.abs(Number(record.timestamp) - Date.now())).toBeLessThan(5 * 60_000);
  });

  it('never moves back, and refuses what it cannot read', async () => {
    const now = Date.parse((await clockOf('consent')).now);
    for (const body of [{ to: new Date(now - DAY_MS).toISOString() }, { by: '-P1D' }, { by: 'a week' }, {}, { by: 'P1D', to: new Date(now + DAY_MS).toISOString() }]) {
      const refused = await http('POST', `${system.urls.consent}/ops/clock`, { token: ops, body });
      expect({ body, status: refused.status }).toEqual({ body, status: 400 });
      expect(refused.body.code).toBe('invalid-command');
    }
    expect(Date.parse((await clockOf('consent')).now)).toBeGreaterThanOrEqual(now);
  });
});
