import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { http } from '../support/http.js';
import { startSystem, TEST_JWT_SECRET, type RunningSystem } from '../support/system.js';

/**
 * Authentication and authorisation of the partner API (intake) and the reviewer API (review),
 * refusal by refusal, on the real servers. Tokens are built here with jose, independently of the
 * product's own minting helper.
 */

const PDF = Buffer.from('%PDF-1.4\n%%EOF\n', 'latin1');

function claimFields(tag: string) {
  return {
    mpnId: '1234567',
    customer: { tenantId: randomUUID(), name: `Northwind ${tag}`, domain: 'northwind.example' },
    customerContact: { name: 'Casey Customer', email: `customer-${tag}@northwind.example` },
    partnerContact: { name: 'Pat Partner', email: `partner-${tag}@contoso.example` },
    products: ['microsoft-365'],
    activity: 'managed-services',
    subscriptionOrTenantId: randomUUID(),
  };
}

async function sign(
  payload: Record<string, unknown>,
  options: { secret?: string; alg?: string; sub?: string | null; exp?: number | string | null } = {},
): Promise<string> {
  let jwt = new SignJWT(payload).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' }).setIssuedAt();
  if (options.sub !== null) jwt = jwt.setSubject(options.sub ?? 'someone');
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? '1h');
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

/** An unsigned token (`alg: none`), as an attacker would forge one. */
function unsigned(payload: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...payload, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
}

interface Route {
  method: string;
  path: (claimId: string) => string;
  body?: unknown;
  multipart?: boolean;
}

const PARTNER_ROUTES: Route[] = [
  { method: 'GET', path: () => '/v1/claims' },
  { method: 'POST', path: () => '/v1/claims', body: claimFields('auth') },
  { method: 'GET', path: (id) => `/v1/claims/${id}` },
  { method: 'GET', path: (id) => `/v1/claims/${id}/history` },
  { method: 'PATCH', path: (id) => `/v1/claims/${id}`, body: { mpnId: '7777777' } },
  { method: 'POST', path: (id) => `/v1/claims/${id}/poe`, multipart: true },
  { method: 'POST', path: (id) => `/v1/claims/${id}/submit` },
  { method: 'POST', path: (id) => `/v1/claims/${id}/comments`, body: { text: 'hello' } },
  { method: 'POST', path: (id) => `/v1/claims/${id}/withdraw`, body: { subReason: 'wrong-mpn' } },
  { method: 'POST', path: (id) => `/v1/claims/${id}/disputes`, body: { justification: 'because' } },
];

const REVIEWER_ROUTES: Route[] = [
  { method: 'GET', path: () => '/v1/reviews/queue' },
  { method: 'GET', path: (id) => `/v1/reviews/${id}` },
  { method: 'POST', path: (id) => `/v1/reviews/${id}/start` },
  { method: 'POST', path: (id) => `/v1/reviews/${id}/request-info`, body: { reasons: ['missing-all-poe'], comment: 'x' } },
  { method: 'POST', path: (id) => `/v1/reviews/${id}/approve`, body: {} },
  { method: 'POST', path: (id) => `/v1/reviews/${id}/reject`, body: { reason: 'insufficient-poe', comment: 'x' } },
  { method: 'POST', path: (id) => `/v1/reviews/${id}/comments`, body: { text: 'hello' } },
  { method: 'POST', path: (id) => `/v1/reviews/${id}/dispute-decision`, body: { decision: 'sustained', comment: 'x' } },
];

function poeForm(): FormData {
  const form = new FormData();
  form.append('files', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'poe.pdf');
  return form;
}

describe('authentication and authorisation of the partner and reviewer APIs', () => {
  let system: RunningSystem;
  let intake: string;
  let review: string;
  /** A claim of organisation A, submitted, that every refusal below must leave untouched. */
  let claimId: string;
  let ownerToken: string;
  let ownerPartnerId: string;
  let reviewer: string;

  function call(base: string, route: Route, id: string, token?: string, headers?: Record<string, string>) {
    return http(route.method, base + route.path(id), { token, headers, ...(route.multipart ? { form: poeForm() } : { body: route.body }) });
  }

  /** Every route of both APIs with this authorisation header (or none). */
  async function everyRoute(authorization: string | undefined) {
    const headers = authorization === undefined ? undefined : { authorization };
    const results = [];
    for (const route of PARTNER_ROUTES) results.push({ api: 'partner', route, response: await call(intake, route, claimId, undefined, headers) });
    for (const route of REVIEWER_ROUTES) results.push({ api: 'reviewer', route, response: await call(review, route, claimId, undefined, headers) });
    return results;
  }

  function label(result: { api: string; route: Route }) {
    return `${result.api} ${result.route.method} ${result.route.path(':id')}`;
  }

  async function expectUntouched() {
    const view = await http('GET', `${intake}/v1/claims/${claimId}`, { token: ownerToken });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ status: 'Submitted', mpnId: '1234567', version: 3 });
    const history = await http('GET', `${intake}/v1/claims/${claimId}/history`, { token: ownerToken });
    expect(history.body.entries.map((e: { action: string }) => e.action)).toEqual(['create', 'addPoe', 'submit']);
  }

  beforeAll(async () => {
    system = await startSystem();
    intake = system.urls.intake;
    review = system.urls.review;
    ownerPartnerId = `owner-${system.runId}`;
    ownerToken = await system.token({ sub: 'owner-admin', roles: ['global-admin'], partnerId: ownerPartnerId });
    reviewer = await system.token({ sub: 'reviewer-1', roles: ['poe-reviewer'] });
    const created = await http('POST', `${intake}/v1/claims`, { token: ownerToken, body: claimFields(`owner-${system.runId}`) });
    expect(created.status).toBe(201);
    claimId = created.body.id;
    expect((await http('POST', `${intake}/v1/claims/${claimId}/poe`, { token: ownerToken, form: poeForm() })).status).toBe(200);
    expect((await http('POST', `${intake}/v1/claims/${claimId}/submit`, { token: ownerToken })).status).toBe(200);
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('health and readiness need no token (the refusals below are not an outage)', async () => {
    for (const base of [intake, review]) {
      expect((await http('GET', `${base}/health/live`)).status).toBe(200);
      expect((await http('GET', `${base}/health/ready`)).status).toBe(200);
    }
  });

  it('no token: 401 on every route of both APIs', async () => {
    for (const result of await everyRoute(undefined)) {
      expect({ route: label(result), status: result.response.status }).toEqual({ route: label(result), status: 401 });
      expect(result.response.body).toMatchObject({ status: 401, code: 'unauthorized', detail: 'A bearer token is required' });
    }
    for (const authorization of ['Basic b3duZXI6c2VjcmV0', 'Bearer', 'Bearer ', `Token ${ownerToken}`, `Bearer ${ownerToken} extra`]) {
      const response = await http('GET', `${intake}/v1/claims/${claimId}`, { headers: { authorization } });
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
      expect(response.text).not.toContain(ownerToken);
    }
    await expectUntouched();
  });

  it('bad signature, forged alg, garbage: 401 on every route, and the body never echoes the token', async () => {
    const partnerClaims = { roles: ['global-admin'], partnerId: ownerPartnerId };
    const forged = {
      'other secret': await sign(partnerClaims, { secret: 'not-the-secret-of-this-system', sub: 'owner-admin' }),
      'alg none': unsigned({ ...partnerClaims, sub: 'owner-admin' }),
      'HS512 with the right secret': await sign(partnerClaims, { alg: 'HS512', sub: 'owner-admin' }),
      'tampered payload': (() => {
        const [header, , signature] = ownerToken.split('.');
        const payload = Buffer.from(JSON.stringify({ sub: 'owner-admin', roles: ['global-admin'], partnerId: 'someone-else', exp: 4102444800 })).toString('base64url');
        return `${header}.${payload}.${signature}`;
      })(),
      'no subject': await sign(partnerClaims, { sub: null }),
      // Valid forever otherwise: a leaked token must run out.
      'no expiry': await sign(partnerClaims, { sub: 'owner-admin', exp: null }),
      garbage: 'not.a.jwt',
    };
    for (const [kind, token] of Object.entries(forged)) {
      for (const result of await everyRoute(`Bearer ${token}`)) {
        expect({ kind, route: label(result), status: result.response.status }).toEqual({ kind, route: label(result), status: 401 });
        expect(result.response.body.code).toBe('unauthorized');
        expect(result.response.text).not.toContain(token);
        for (const part of token.split('.').filter((segment) => segment.length > 8)) expect(result.response.text).not.toContain(part);
      }
    }
    await expectUntouched();
  });

  it('expired token: 401 "token expired" on both APIs, and the body never echoes the token', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    const expiredPartner = await sign({ roles: ['global-admin'], partnerId: ownerPartnerId }, { sub: 'owner-admin', exp: past });
    const expiredReviewer = await sign({ roles: ['poe-reviewer'] }, { sub: 'reviewer-1', exp: past });
    for (const [base, token, route] of [
      [intake, expiredPartner, PARTNER_ROUTES[2]],
      [intake, expiredPartner, PARTNER_ROUTES[4]],
      [review, expiredReviewer, REVIEWER_ROUTES[0]],
      [review, expiredReviewer, REVIEWER_ROUTES[2]],
    ] as const) {
      const response = await call(base, route, claimId, token);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ status: 401, code: 'unauthorized', detail: 'token expired' });
      expect(response.text).not.toContain(token);
    }
    // The same claims with a future expiry are accepted (it is the expiry that is refused).
    const fresh = await sign({ roles: ['global-admin'], partnerId: ownerPartnerId }, { sub: 'owner-admin', exp: past + 3600 });
    expect((await http('GET', `${intake}/v1/claims/${claimId}`, { token: fresh })).status).toBe(200);
    await expectUntouched();
  });

  it('wrong role: a reviewer on the partner API and a partner on the reviewer API get 403; a token without any role too', async () => {
    const reviewerWithOrg = await system.token({ sub: 'reviewer-2', roles: ['poe-reviewer'], partnerId: ownerPartnerId });
    const noRoles = await system.token({ sub: 'nobody', roles: [], partnerId: ownerPartnerId });
    const otherRole = await system.token({ sub: 'sales', roles: ['sales-rep'], partnerId: ownerPartnerId });
    for (const token of [reviewer, reviewerWithOrg, noRoles, otherRole]) {
      for (const route of PARTNER_ROUTES) {
        const response = await call(intake, route, claimId, token);
        expect({ route: `partner ${route.method} ${route.path(':id')}`, status: response.status }).toEqual({ route: `partner ${route.method} ${route.path(':id')}`, status: 403 });
        expect(response.body.detail).toMatch(/billing-admin, global-admin, incentives-admin/);
        expect(response.text).not.toContain(token);
      }
    }
    for (const token of [ownerToken, noRoles, otherRole]) {
      for (const route of REVIEWER_ROUTES) {
        const response = await call(review, route, claimId, token);
        expect({ route: `reviewer ${route.method} ${route.path(':id')}`, status: response.status }).toEqual({ route: `reviewer ${route.method} ${route.path(':id')}`, status: 403 });
        expect(response.body.detail).toMatch(/poe-reviewer/);
        expect(response.text).not.toContain(token);
      }
    }
    await expectUntouched();
  });

  it('R1: a partner-role token without an organisation cannot create claims and sees none', async () => {
    const orphan = await system.token({ sub: 'orphan', roles: ['billing-admin'] });
    const created = await http('POST', `${intake}/v1/claims`, { token: orphan, body: claimFields(`orphan-${system.runId}`) });
    expect(created.status).toBe(403);
    expect(created.body.detail).toMatch(/partner organisation/);
    const list = await http('GET', `${intake}/v1/claims`, { token: orphan });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ items: [], total: 0 });
    expect((await http('GET', `${intake}/v1/claims/${claimId}`, { token: orphan })).status).toBe(404);
  });

  it("another organisation's claim is 404 on every partner route, exactly like a claim that does not exist; the list shows only the caller's own claims", async () => {
    const otherPartnerId = `other-${system.runId}`;
    const other = await system.token({ sub: 'other-admin', roles: ['incentives-admin'], partnerId: otherPartnerId });
    const own = await http('POST', `${intake}/v1/claims`, { token: other, body: claimFields(`other-${system.runId}`) });
    expect(own.status).toBe(201);

    const missingId = randomUUID();
    for (const route of PARTNER_ROUTES.filter((r) => r.path('x').includes('x'))) {
      const foreign = await call(intake, route, claimId, other);
      const missing = await call(intake, route, missingId, other);
      const name = `${route.method} ${route.path(':id')}`;
      expect({ name, status: foreign.status }).toEqual({ name, status: 404 });
      expect({ name, status: missing.status }).toEqual({ name, status: 404 });
      // Nothing distinguishes "someone else's" from "no such claim" (apart from the id itself).
      expect(foreign.text.replaceAll(claimId, 'ID')).toBe(missing.text.replaceAll(missingId, 'ID'));
      expect(foreign.text).not.toContain(ownerPartnerId);
      expect(foreign.text).not.toContain(other);
    }

    const list = await http('GET', `${intake}/v1/claims?limit=100`, { token: other });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    expect(list.body.items.map((item: { id: string }) => item.id)).toEqual([own.body.id]);
    const ownerList = await http('GET', `${intake}/v1/claims?limit=100`, { token: ownerToken });
    expect(ownerList.body.items.map((item: { id: string }) => item.id)).toEqual([claimId]);
    expect(ownerList.body.items.every((item: { partnerId: string }) => item.partnerId === ownerPartnerId)).toBe(true);

    // The reviewer works every organisation's claims.
    const reviewerView = await http('GET', `${review}/v1/reviews/${claimId}`, { token: reviewer });
    expect(reviewerView.status).toBe(200);
    expect(reviewerView.body.partnerId).toBe(ownerPartnerId);
    await expectUntouched();
  });
});
