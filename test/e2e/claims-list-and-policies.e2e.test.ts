import { MAX_PAGE_OFFSET } from '@cpor/contracts';
import { http } from '../support/http.js';
import { claimFields, LifecycleDriver } from '../support/lifecycle-driver.js';
import { startSystem, type RunningSystem } from '../support/system.js';

describe('partner claim list: filters and paging', () => {
  let system: RunningSystem;
  let driver: LifecycleDriver;

  beforeAll(async () => {
    system = await startSystem();
    driver = new LifecycleDriver(system);
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('filters by status, customer and creation dates, and pages newest first with a total', async () => {
    const token = await driver.partner();
    const list = async (query: string) => {
      const response = await http('GET', `${system.urls.intake}/v1/claims?${query}`, { token });
      expect(response.status).toBe(200);
      return response.body as { items: Array<{ id: string; customer: { tenantId: string } }>; total: number; limit: number; offset: number };
    };
    const first = await driver.draft(claimFields(`${system.runId}-a`));
    system.clock.advanceDays(2);
    const between = system.clock.now().toISOString();
    system.clock.advanceDays(2);
    const second = await driver.submitted(claimFields(`${system.runId}-b`));
    const third = await driver.draft(claimFields(`${system.runId}-c`));

    expect((await list('status=Submitted')).items.map((claim) => claim.id)).toEqual([second.id]);
    expect((await list('status=Editing')).items.map((claim) => claim.id).sort()).toEqual([first.id, third.id].sort());
    expect((await list(`customer=${first.customer.tenantId}`)).items.map((claim) => claim.id)).toEqual([first.id]);
    expect((await list(`customer=${encodeURIComponent(third.customer.name)}`)).items.map((claim) => claim.id)).toEqual([third.id]);
    expect((await list(`createdTo=${between}`)).items.map((claim) => claim.id)).toEqual([first.id]);
    expect((await list(`createdFrom=${between}`)).total).toBe(2);

    const page1 = await list('limit=2&offset=0');
    const page2 = await list('limit=2&offset=2');
    expect(page1.total).toBe(3);
    expect(page1.items).toHaveLength(2);
    expect(page2.items).toHaveLength(1);
    expect([...page1.items, ...page2.items].map((claim) => claim.id)).toEqual([third.id, second.id, first.id]);
    // The deepest offset allowed reaches the store as an empty page, not a store error.
    const deepest = await list(`offset=${MAX_PAGE_OFFSET}`);
    expect(deepest).toMatchObject({ items: [], total: 3 });
  });

  it('answers an offset beyond the deepest page (an integer the store would refuse) with 400, here and in the review queue', async () => {
    const claims = await http('GET', `${system.urls.intake}/v1/claims?offset=1e20`, { token: await driver.partner() });
    const queue = await http('GET', `${system.urls.review}/v1/reviews/queue?offset=100000000000000000000`, { token: await driver.reviewer() });
    for (const response of [claims, queue]) {
      expect(response.status).toBe(400);
      expect(response.body.errors.join('\n')).toMatch(/offset must not be greater than 1000000000/);
    }
  });

  it('answers bad filters with 400 listing every problem', async () => {
    const response = await http('GET', `${system.urls.intake}/v1/claims?status=Lost&limit=0&createdFrom=yesterday`, { token: await driver.partner() });
    expect(response.status).toBe(400);
    const errors: string = response.body.errors.join('\n');
    expect(errors).toMatch(/status/);
    expect(errors).toMatch(/limit/);
    expect(errors).toMatch(/createdFrom/);
  });
});

describe('policies side by side: the configured policy is stamped on new claims and governs them', () => {
  let legacy: RunningSystem;
  let current: RunningSystem;

  beforeAll(async () => {
    legacy = await startSystem({ CLAIM_POLICY_ID: 'cpor-2020-06' });
    current = await startSystem({ CLAIM_POLICY_ID: 'cpor-2023-10' });
  });

  afterAll(async () => {
    await current?.stop();
    await legacy?.stop();
  });

  it('R10: a Submitted claim can be edited under cpor-2020-06 but not under cpor-2023-10 (PAR only)', async () => {
    const results = [];
    for (const system of [legacy, current]) {
      const driver = new LifecycleDriver(system);
      const claim = await driver.submitted(claimFields(`${system.runId}-policy`));
      const edit = await http('PATCH', `${system.urls.intake}/v1/claims/${claim.id}`, { token: await driver.partner(), body: { mpnId: '1112223' } });
      results.push({ policyId: claim.policyId, status: edit.status, error: edit.body?.code });
    }
    expect(results).toEqual([
      { policyId: 'cpor-2020-06', status: 200, error: undefined },
      { policyId: 'cpor-2023-10', status: 409, error: 'invalid-state' },
    ]);
  });

  it('R3: the review-start SLA is 5 business days under cpor-2020-06 and 14 under cpor-2023-10', async () => {
    const spans = [];
    for (const system of [legacy, current]) {
      const driver = new LifecycleDriver(system);
      const claim = await driver.submitted(claimFields(`${system.runId}-sla`));
      const item = await driver.queueItem(claim.id);
      spans.push((Date.parse(item.sla!.dueAt) - Date.parse(claim.submittedAt)) / 86_400_000);
    }
    // 5 business days span 7 to 11 calendar days, 14 business days at least 18 (weekends, holidays).
    expect(spans[0]).toBeGreaterThanOrEqual(7);
    expect(spans[0]).toBeLessThanOrEqual(11);
    expect(spans[1]).toBeGreaterThanOrEqual(18);
  });
});
