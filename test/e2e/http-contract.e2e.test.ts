import { randomUUID } from 'node:crypto';
import { http } from '../support/http.js';
import { claimFields, LifecycleDriver, PDF } from '../support/lifecycle-driver.js';
import { startSystem, type RunningSystem } from '../support/system.js';

type Answer = Awaited<ReturnType<typeof http>>;

/** Idempotency keys, ETags, problem details and keyset paging: what integrators build clients on. */
describe('the HTTP contract integrators rely on', () => {
  let system: RunningSystem;
  let driver: LifecycleDriver;
  let intake: string;
  let review: string;

  beforeAll(async () => {
    system = await startSystem();
    driver = new LifecycleDriver(system);
    intake = `${system.urls.intake}/v1/claims`;
    review = `${system.urls.review}/v1/reviews`;
  });

  afterAll(async () => {
    await system?.stop();
  });

  const pdfForm = (name = 'signed-sow.pdf') => {
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), name);
    return form;
  };

  /** Sends one POST twice with one Idempotency-Key: the repeat is the first answer, replayed. */
  async function twice(url: string, options: { token: string; body?: unknown; form?: () => FormData; expected?: number }): Promise<Answer> {
    const key = randomUUID();
    const send = () => http('POST', url, { token: options.token, body: options.body, form: options.form?.(), headers: { 'idempotency-key': key } });
    const first = await send();
    expect({ url, status: first.status }).toEqual({ url, status: options.expected ?? 200 });
    const repeat = await send();
    expect({ url, status: repeat.status, body: repeat.body }).toEqual({ url, status: first.status, body: first.body });
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    return first;
  }

  const count = (actions: string[], action: string) => actions.filter((candidate) => candidate === action).length;

  it('a repeated POST with the same Idempotency-Key gets the first answer and has no second effect, on every POST of both APIs', async () => {
    const token = await driver.partner();
    const reviewer = await driver.reviewer();

    const created = await twice(intake, { token, body: claimFields(`${system.runId}-idem`), expected: 201 });
    const id = created.body.id as string;
    const listed = await http('GET', `${intake}?customer=${created.body.customer.tenantId}`, { token });
    expect(listed.body.items.map((claim: { id: string }) => claim.id)).toEqual([id]);

    await twice(`${intake}/${id}/poe`, { token, form: () => pdfForm() });
    await twice(`${intake}/${id}/comments`, { token, body: { text: 'Signed SOW attached' } });
    await twice(`${intake}/${id}/submit`, { token });
    await twice(`${review}/${id}/start`, { token: reviewer });
    await twice(`${review}/${id}/comments`, { token: reviewer, body: { text: 'Looking at the SOW' } });
    await twice(`${review}/${id}/request-info`, { token: reviewer, body: { reasons: ['missing-or-old-dates'], comment: 'Which page shows the acceptance?' } });
    await http('POST', `${intake}/${id}/submit`, { token }).then((answer) => expect(answer.status).toBe(200));
    await driver.review(id, 'start');
    await twice(`${review}/${id}/reject`, { token: reviewer, body: { reason: 'insufficient-poe', comment: 'No delivered work shown' } });
    await twice(`${intake}/${id}/disputes`, { token, form: () => {
      const form = pdfForm('acceptance.pdf');
      form.append('justification', 'The acceptance is on page 2');
      return form;
    } });
    await twice(`${review}/${id}/dispute-decision`, { token: reviewer, body: { decision: 'overturned', comment: 'Page 2 shows it' } });
    await twice(`${review}/${id}/approve`, { token: reviewer, body: { comment: 'Accepted' } });

    const actions = await driver.historyActions(id);
    for (const [action, times] of Object.entries({ create: 1, addPoe: 2, comment: 2, submit: 2, startReview: 2, requestInfo: 1, reject: 1, dispute: 1, decideDispute: 1, approve: 1 })) {
      expect({ action, times: count(actions, action) }).toEqual({ action, times });
    }
    const claim = await driver.claim(id);
    expect(claim.poe).toHaveLength(2);

    const withdrawn = (await driver.draft(claimFields(`${system.runId}-idem-withdraw`))).id;
    await twice(`${intake}/${withdrawn}/withdraw`, { token, body: { subReason: 'wrong-mpn' } });
    expect(count(await driver.historyActions(withdrawn), 'withdraw')).toBe(1);
  });

  it('the same Idempotency-Key with another request is 422; without a key a create still works; racing repeats make one claim', async () => {
    const token = await driver.partner();
    const key = randomUUID();
    const fields = claimFields(`${system.runId}-idem-race`);
    const racing = await Promise.all(Array.from({ length: 4 }, () => http('POST', intake, { token, body: fields, headers: { 'idempotency-key': key } })));
    expect(racing.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(racing.map((answer) => answer.body.id)).size).toBe(1);
    expect((await http('GET', `${intake}?customer=${fields.customer.tenantId}`, { token })).body.total).toBe(1);

    const other = await http('POST', intake, { token, body: { ...fields, activity: 'pre-sales' }, headers: { 'idempotency-key': key } });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({ type: 'urn:cpor:problem:idempotency-key-reused', status: 422, code: 'idempotency-key-reused' });

    const bad = await http('POST', intake, { token, body: fields, headers: { 'idempotency-key': 'has spaces in it' } });
    expect(bad.status).toBe(400);

    const [a, b] = await Promise.all([http('POST', intake, { token, body: fields }), http('POST', intake, { token, body: fields })]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('every claim answer carries its version as a strong ETag; a stale If-Match is 412 with the current version; a state conflict stays 409', async () => {
    const token = await driver.partner();
    const reviewer = await driver.reviewer();
    const draft = await driver.draft(claimFields(`${system.runId}-etag`));

    const read = await http('GET', `${intake}/${draft.id}`, { token });
    expect(read.headers.get('etag')).toBe(`"${read.body.version}"`);
    const edited = await http('PATCH', `${intake}/${draft.id}`, { token, body: { mpnId: '2345678' }, headers: { 'if-match': read.headers.get('etag')! } });
    expect(edited.status).toBe(200);
    expect(edited.headers.get('etag')).toBe(`"${read.body.version + 1}"`);

    const stale = await http('POST', `${intake}/${draft.id}/submit`, { token, headers: { 'if-match': read.headers.get('etag')! } });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'precondition-failed', status: 412, currentVersion: read.body.version + 1, instance: `/v1/claims/${draft.id}/submit` });
    expect((await driver.claim(draft.id)).status).toBe('Editing');

    const submitted = await http('POST', `${intake}/${draft.id}/submit`, { token, headers: { 'if-match': edited.headers.get('etag')! } });
    expect(submitted.status).toBe(200);
    const reviewed = await http('GET', `${review}/${draft.id}`, { token: reviewer });
    expect(reviewed.headers.get('etag')).toBe(`"${submitted.body.version}"`);
    const started = await http('POST', `${review}/${draft.id}/start`, { token: reviewer, headers: { 'if-match': reviewed.headers.get('etag')! } });
    expect(started.headers.get('etag')).toBe(`"${started.body.version}"`);

    const conflict = await http('POST', `${review}/${draft.id}/start`, { token: reviewer, headers: { 'if-match': started.headers.get('etag')! } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ type: 'urn:cpor:problem:invalid-state', code: 'invalid-state', currentStatus: 'UnderReview', allowedStates: ['Submitted'] });
  });

  it('errors are RFC 9457 problem details listing every problem, from every service', async () => {
    const token = await driver.partner();
    const invalid = await http('POST', intake, { token, body: { mpnId: 'x' } });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(invalid.body).toMatchObject({ type: 'urn:cpor:problem:invalid-command', title: expect.any(String), status: 400, detail: expect.any(String), instance: '/v1/claims', code: 'invalid-command' });
    expect(invalid.body.errors.length).toBeGreaterThanOrEqual(5);

    const missing = await http('GET', `${review}/${randomUUID()}`, { token: await driver.reviewer() });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ type: 'urn:cpor:problem:not-found', status: 404, code: 'not-found' });

    const anonymous = await http('GET', intake, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ type: 'urn:cpor:problem:unauthorized', status: 401, code: 'unauthorized' });

    for (const service of ['consent', 'eligibility', 'notifications'] as const) {
      const nowhere = await http('GET', `${system.urls[service]}/v1/nowhere`, {});
      expect({ service, status: nowhere.status, contentType: nowhere.headers.get('content-type') }).toEqual({ service, status: 404, contentType: expect.stringMatching(/^application\/problem\+json/) });
      expect(nowhere.body).toMatchObject({ type: 'urn:cpor:problem:not-found', status: 404, code: 'not-found' });
    }
  });

  it('lists page by cursor over several statuses, changes since a time, and sort by creation or change', async () => {
    const tokenOf = await system.token({ sub: `sync-${system.runId}`, roles: ['incentives-admin'], partnerId: `sync-${system.runId}` });
    const syncDriver = new LifecycleDriver(system, `sync-${system.runId}`);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push((index % 2 === 0 ? await syncDriver.submitted(claimFields(`${system.runId}-sync-${index}`)) : await syncDriver.draft(claimFields(`${system.runId}-sync-${index}`))).id);
      system.clock.advance(60_000);
    }
    const pages = async (query: string) => {
      const seen: string[] = [];
      let url = `${intake}?${query}`;
      for (let page = 0; page < 10; page++) {
        const answer = await http('GET', url, { token: tokenOf });
        expect({ url, status: answer.status }).toEqual({ url, status: 200 });
        expect(answer.headers.get('etag')).toBeNull(); // a page is not a claim: no version to match
        seen.push(...answer.body.items.map((claim: { id: string }) => claim.id));
        if (!answer.body.next) {
          expect(answer.headers.get('link')).toBeNull();
          return { seen, total: answer.body.total as number };
        }
        expect(answer.headers.get('link')).toContain(`cursor=${answer.body.next}`);
        url = `${intake}?${query}&cursor=${answer.body.next}`;
      }
      throw new Error('more pages than claims');
    };

    expect(await pages('limit=2')).toEqual({ seen: [...ids].reverse(), total: 5 });
    expect(await pages('limit=2&sort=createdAt')).toEqual({ seen: ids, total: 5 });
    expect((await pages('limit=1&status=Submitted,Editing')).seen).toEqual([...ids].reverse());
    expect((await pages('limit=10&status=Submitted&status=Rejected')).seen).toEqual([ids[4], ids[2], ids[0]]);

    // Changes since a time: a comment on the oldest claim makes it the one changed since.
    const since = system.clock.now().toISOString();
    system.clock.advance(60_000);
    await http('POST', `${intake}/${ids[0]}/comments`, { token: tokenOf, body: { text: 'still current' } });
    expect((await pages(`updatedAfter=${since}`)).seen).toEqual([ids[0]]);
    expect((await pages('limit=2&sort=-updatedAt')).seen[0]).toBe(ids[0]);
    expect((await pages(`updatedBefore=${since}&sort=updatedAt&limit=3`)).seen).toEqual(ids.slice(1));

    const tampered = await http('GET', `${intake}?cursor=bm90LWEtY3Vyc29y`, { token: tokenOf });
    expect(tampered.status).toBe(400);
    expect(tampered.body.errors).toEqual(['cursor must be the `next` value of a previous page']);
  });
});
