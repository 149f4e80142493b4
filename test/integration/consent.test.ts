// Consent (R7) and its hand-off to eligibility (R13) against the real MongoDB-wire server
// (FerretDB at 127.0.0.1:27017 unless MONGO_URL says otherwise). Each run uses its own database.
// Kafka is not involved: events are taken from the ledger's results and outbox, as the relay would.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Connection } from 'mongoose';
import { ConsentPageController } from '../../apps/consent/src/consent-page.controller.js';
import { ConsentRequestRepository, consentRequestModel, ClaimLedger, claimModel, type ClaimRecord, type OutboxEntry, deadlineModel, DeadlinePoller, DeadlineStore, openMongoConnection, claimTransitionModel, publishedEvent, readTransition } from '@cpor/persistence';
import { type LifecycleEventData, type CloudEvent, TOPICS, ASSESSMENT_TYPE, EVENT_TYPES } from '@cpor/contracts';
import { CONSENT_WINDOW, ConsentService, declineCommandId } from '../../apps/consent/src/consent.service.js';
import { EligibilityService } from '../../apps/eligibility/src/eligibility.service.js';
import { assessmentIdFor, BusinessCalendar, getEligibilityRules, type Actor } from '@cpor/domain';
import type { Clock } from '@cpor/kernel';
import { ConsentLinkSigner } from '@cpor/platform';

jest.setTimeout(60_000);

const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const MONGO_DB = `it_consent_${randomUUID().slice(0, 8)}`;
const TENANT = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const PARTNER: Actor = { kind: 'partner', id: 'user-1', partnerId: 'partner-1', roles: ['global-admin'] };
const REVIEWER: Actor = { kind: 'reviewer', id: 'reviewer-1', roles: ['poe-reviewer'] };

/** Business time under the test's control. */
class MovableClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(date: Date | string): void {
    this.current = new Date(date);
  }
}

const clock = new MovableClock(new Date('2026-11-23T15:00:00.000Z'));
const signer = new ConsentLinkSigner('it-consent-secret');
let connection: Connection;
let ledger: ClaimLedger;
let requests: ConsentRequestRepository;
let deadlines: DeadlineStore;
let consent: ConsentService;
let eligibility: EligibilityService;

beforeAll(async () => {
  connection = await openMongoConnection(MONGO_URL, MONGO_DB);
  ledger = new ClaimLedger(claimModel(connection), claimTransitionModel(connection), clock, new BusinessCalendar({ timeZone: 'UTC' }), 'cpor/it');
  requests = new ConsentRequestRepository(consentRequestModel(connection));
  deadlines = new DeadlineStore(deadlineModel(connection), 'consent', clock);
  consent = new ConsentService(ledger, requests, deadlines, signer, clock);
  eligibility = new EligibilityService(ledger, getEligibilityRules(), clock);
});

afterAll(async () => {
  await connection?.dropDatabase().catch(() => undefined);
  await connection?.close();
});

/** A claim taken through create, PoE, submit, review and approval; returns the `approved` event. */
async function approvedClaim(): Promise<CloudEvent<LifecycleEventData>> {
  clock.set('2026-11-23T15:00:00.000Z');
  const claimId = randomUUID();
  await ledger.create(
    {
      type: 'create',
      claimId,
      policyId: 'cpor-2020-06',
      mpnId: '1234567',
      customer: { tenantId: TENANT, name: 'Contoso <Ltd>', domain: 'contoso.com' },
      customerContact: { name: 'Ada', email: 'ada@contoso.com' },
      partnerContact: { name: 'Bob', email: 'bob@fabrikam.com' },
      products: ['microsoft-365'],
      activity: 'deployment',
      subscriptionOrTenantId: TENANT,
    },
    PARTNER,
  );
  const document = { documentId: randomUUID(), fileName: 'poe.pdf', contentType: 'application/pdf', size: 1000, sha256: 'a'.repeat(64) };
  await ledger.execute(claimId, { type: 'addPoe', document }, PARTNER);
  await ledger.execute(claimId, { type: 'submit' }, PARTNER);
  await ledger.execute(claimId, { type: 'startReview' }, REVIEWER);
  const approved = await ledger.execute(claimId, { type: 'approve' }, REVIEWER);
  const event = approved.events.find((e) => e.type === EVENT_TYPES.approved);
  expect(event).toBeDefined();
  return event as CloudEvent<LifecycleEventData>;
}

/** Every event the claim's transitions committed, in order, as the relay publishes them (no relay runs here). */
async function outboxOf(claimId: string): Promise<OutboxEntry[]> {
  const rows = await claimTransitionModel(connection).find({ claimId }).sort({ version: 1 }).lean().exec();
  return rows.map(readTransition).flatMap((row) => row.outbox.map((entry) => publishedEvent(row, entry)));
}

async function record(claimId: string): Promise<ClaimRecord> {
  return (await claimModel(connection).findById(claimId).lean<ClaimRecord>().exec())!;
}

async function linkOf(claimId: string): Promise<{ token: string; epoch: number; deadline: string }> {
  const { state } = (await ledger.get(claimId))!;
  const deadline = state.consent!.deadline;
  return { token: signer.token({ claimId, epoch: state.statusEpoch, expiresAt: deadline }), epoch: state.statusEpoch, deadline };
}

describe('consent requests (R7)', () => {
  it('a replayed approval requests consent once and stores one request with the link hash, never the token', async () => {
    const approved = await approvedClaim();
    const claimId = approved.data.claimId;
    await consent.onApproved(approved);
    await consent.onApproved(approved); // redelivery
    await consent.onApproved(approved);

    const stored = await consentRequestModel(connection).find({ claimId }).lean().exec();
    expect(stored).toHaveLength(1);
    const { token, epoch, deadline } = await linkOf(claimId);
    expect(epoch).toBe(approved.data.claim.statusEpoch); // requestConsent keeps the approval's epoch
    expect(deadline).toBe('2026-11-30T15:00:00.000Z'); // 7 calendar days
    expect(stored[0]).toMatchObject({ _id: `${claimId}:${epoch}`, epoch, status: 'open', tokenHash: ConsentLinkSigner.hash(token) });
    expect(JSON.stringify(stored[0])).not.toContain(token);
    expect(JSON.stringify(stored[0])).not.toContain(token.split('.')[1]);

    expect((await outboxOf(claimId)).filter((e) => e.event.type === EVENT_TYPES.consentRequested)).toHaveLength(1);
    const pending = await deadlines.pendingFor(claimId);
    expect(pending.map((d) => [d.kind, d.epoch, d.dueAt.toISOString()])).toEqual([[CONSENT_WINDOW, epoch, deadline]]);
  });

  it('the customer declines once: the claim is rejected (customer-decline), the link is used, the deadline cancelled', async () => {
    const approved = await approvedClaim();
    const claimId = approved.data.claimId;
    await consent.onApproved(approved);
    const { token, epoch } = await linkOf(claimId);
    clock.set('2026-11-25T09:00:00.000Z');

    const shown = await consent.inspect(token);
    expect(shown.ok).toBe(true);
    expect((await ledger.get(claimId))!.state.status).toBe('Approved'); // GET changes nothing

    expect((await consent.decline(token)).ok).toBe(true);
    const after = (await ledger.get(claimId))!.state;
    expect(after.status).toBe('Rejected');
    expect(after.rejection?.reason).toBe('customer-decline');
    const stored = (await requests.find(claimId, epoch))!;
    expect(stored.status).toBe('declined');
    expect(stored.usedAt?.toISOString()).toBe('2026-11-25T09:00:00.000Z');
    expect(await deadlines.pendingFor(claimId)).toEqual([]);

    // Used link: refused on GET and POST, and the claim has exactly one decline.
    expect(await consent.decline(token)).toEqual({ ok: false, refusal: 'used' });
    expect(await consent.inspect(token)).toEqual({ ok: false, refusal: 'used' });
    const history = (await record(claimId)).history.filter((h) => h.action === 'declineConsent');
    expect(history).toHaveLength(1);
    expect(history[0].actor).toEqual({ kind: 'customer', id: TENANT });
  });

  it('a decline the ledger took before a crash is completed, not repeated, on the next use of the link', async () => {
    const approved = await approvedClaim();
    const claimId = approved.data.claimId;
    await consent.onApproved(approved);
    const { token, epoch } = await linkOf(claimId);
    // As if the process died between the ledger write and marking the link used.
    await ledger.execute(claimId, { type: 'declineConsent' }, { kind: 'customer', id: TENANT }, { commandId: declineCommandId(claimId, epoch) });
    expect((await requests.find(claimId, epoch))!.status).toBe('open');

    expect(await consent.decline(token)).toEqual({ ok: false, refusal: 'used' });
    expect((await requests.find(claimId, epoch))!.status).toBe('declined');
    expect(await deadlines.pendingFor(claimId)).toEqual([]);
  });

  it('a decline applied before the store failed answers the decline, not an outage; the next use of the link finishes the bookkeeping', async () => {
    const approved = await approvedClaim();
    const claimId = approved.data.claimId;
    await consent.onApproved(approved);
    const { token, epoch } = await linkOf(claimId);
    // The store goes away right after the ledger took the decline: marking the link used fails once.
    let failures = 1;
    const flaky = Object.create(requests) as ConsentRequestRepository;
    flaky.markDeclined = async (...args: Parameters<ConsentRequestRepository['markDeclined']>) => {
      if (failures-- > 0) throw Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
      return requests.markDeclined(...args);
    };
    const service = new ConsentService(ledger, flaky, deadlines, signer, clock);

    expect((await service.decline(token)).ok).toBe(true);
    expect((await ledger.get(claimId))!.state.status).toBe('Rejected');
    expect((await requests.find(claimId, epoch))!.status).toBe('open');
    expect(await service.decline(token)).toEqual({ ok: false, refusal: 'used' });
    expect((await requests.find(claimId, epoch))!.status).toBe('declined');
    expect(await deadlines.pendingFor(claimId)).toEqual([]);
    expect((await record(claimId)).history.filter((h) => h.action === 'declineConsent')).toHaveLength(1);
  });

  it('refuses tampered, foreign-epoch and moved-on links and changes nothing', async () => {
    const approved = await approvedClaim();
    const claimId = approved.data.claimId;
    await consent.onApproved(approved);
    const { token, epoch, deadline } = await linkOf(claimId);
    const versionBefore = (await ledger.get(claimId))!.version;

    const [body, signature] = token.split('.');
    const tampered = `${body}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await consent.decline(tampered)).toEqual({ ok: false, refusal: 'invalid-link' });
    expect(await consent.decline('not-a-token')).toEqual({ ok: false, refusal: 'invalid-link' });
    expect(await consent.decline('x'.repeat(5000))).toEqual({ ok: false, refusal: 'invalid-link' });
    // Correctly signed, but for an approval epoch that has no consent request.
    const otherEpoch = signer.token({ claimId, epoch: epoch + 2, expiresAt: deadline });
    expect(await consent.decline(otherEpoch)).toEqual({ ok: false, refusal: 'not-found' });
    expect((await ledger.get(claimId))!.version).toBe(versionBefore);

    // The partner withdraws the approved claim: the link no longer applies.
    await ledger.execute(claimId, { type: 'withdraw', subReason: 'wrong-activity' }, PARTNER);
    expect(await consent.inspect(token)).toEqual({ ok: false, refusal: 'not-awaiting-consent' });
    expect(await consent.decline(token)).toEqual({ ok: false, refusal: 'not-awaiting-consent' });
    expect((await ledger.get(claimId))!.state.rejection?.reason).toBe('partner-request');
    expect((await requests.find(claimId, epoch))!.status).toBe('open');
  });

  it('an approval that arrives after the claim moved on stores nothing', async () => {
    const approved = await approvedClaim();
    const claimId = approved.data.claimId;
    await ledger.execute(claimId, { type: 'withdraw', subReason: 'wrong-mpn' }, PARTNER);
    await consent.onApproved(approved);
    expect(await consentRequestModel(connection).countDocuments({ claimId }).exec()).toBe(0);
    expect(await deadlines.pendingFor(claimId)).toEqual([]);
  });
});

describe('consent window end and eligibility hand-off (R7, R13)', () => {
  it('the link expires at the deadline; the window elapses once; eligibility publishes one downstream record', async () => {
    const approved = await approvedClaim();
    const claimId = approved.data.claimId;
    await consent.onApproved(approved);
    const { token, epoch, deadline } = await linkOf(claimId);

    // Other tests' windows share this database, so assert on this claim's deadline, not on counts.
    const poller = new DeadlinePoller(deadlines, (d) => consent.onDeadline(d), { intervalMs: 60_000 });
    const drain = async () => {
      while ((await poller.fireDue()) > 0) {
        // until a round fires nothing
      }
    };
    clock.set('2026-11-30T14:59:59.000Z');
    await drain();
    expect(await deadlines.pendingFor(claimId)).toHaveLength(1); // not yet due

    clock.set(deadline);
    expect(await consent.decline(token)).toEqual({ ok: false, refusal: 'expired' });
    await drain();
    expect(await deadlines.pendingFor(claimId)).toEqual([]);
    expect((await deadlineModel(connection).findOne({ claimId }).lean().exec())?.status).toBe('fired');
    const elapsedClaim = await record(claimId);
    expect(elapsedClaim.state.status).toBe('Approved');
    expect(elapsedClaim.state.consent?.elapsedAt).toBe(deadline);
    expect((await requests.find(claimId, epoch))!.status).toBe('elapsed');
    const elapsed = (await outboxOf(claimId)).filter((e) => e.event.type === EVENT_TYPES.consentPeriodElapsed);
    expect(elapsed).toHaveLength(1);
    // A deadline firing again (another instance, a retry) is moot.
    await consent.onDeadline({ ...(await deadlineModel(connection).findOne({ claimId }).lean().exec())! });
    expect((await record(claimId)).version).toBe(elapsedClaim.version);

    const event = elapsed[0].event as CloudEvent<LifecycleEventData>;
    await eligibility.onConsentPeriodElapsed(event);
    await eligibility.onConsentPeriodElapsed(event); // replay publishes nothing new
    const assessed = await record(claimId);
    const downstream = (await outboxOf(claimId)).filter((e) => e.topic === TOPICS.claimEligibility);
    expect(downstream).toHaveLength(1);
    const id = assessmentIdFor(claimId, epoch);
    expect(downstream[0].event).toMatchObject({ id, type: ASSESSMENT_TYPE, subject: claimId });
    expect(downstream[0].event.data).toMatchObject({
      assessmentId: id,
      claimId,
      partnerId: 'partner-1',
      mpnId: '1234567',
      customerTenantId: TENANT,
      subscriptionOrTenantId: TENANT,
      eligible: true,
      results: [{ product: 'microsoft-365', program: 'OSU', eligible: true, reasons: [] }],
      policyId: 'cpor-2020-06',
    });
    expect((await outboxOf(claimId)).filter((e) => e.event.type === EVENT_TYPES.eligibilityAssessed)).toHaveLength(1);
    expect(assessed.state.eligibility).toMatchObject({ assessmentId: id, eligible: true });
  });
});

describe('customer page over HTTP (R7)', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      controllers: [ConsentPageController],
      providers: [{ provide: ConsentService, useValue: consent }],
    }).compile();
    app = module.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows the claim (escaped), declines on POST, then answers 410 for the used link; every page is private', async () => {
    const approved = await approvedClaim();
    const claimId = approved.data.claimId;
    await consent.onApproved(approved);
    const { token } = await linkOf(claimId);
    clock.set('2026-11-25T09:00:00.000Z');

    const page = await fetch(`${base}/v1/consent/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('Contoso &lt;Ltd&gt;');
    expect(html).not.toContain('Contoso <Ltd>');
    expect(html).toContain('<form method="post">');

    const declined = await fetch(`${base}/v1/consent/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(declined.status).toBe(200);
    expect(await declined.text()).toContain('Association declined');
    expect((await ledger.get(claimId))!.state.status).toBe('Rejected');

    const again = await fetch(`${base}/v1/consent/${token}`, { method: 'POST' });
    expect(again.status).toBe(410);
    expect(again.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await again.text()).toContain('already been used');
  });

  it('answers JSON to Accept: application/json: the claim view, then problem details that tell a used link from an expired one', async () => {
    const json = { accept: 'application/json' };
    const used = await approvedClaim();
    await consent.onApproved(used);
    const usedLink = await linkOf(used.data.claimId);
    clock.set('2026-11-25T09:00:00.000Z');
    const shown = await fetch(`${base}/v1/consent/${usedLink.token}`, { headers: json });
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await shown.json()).toEqual({ claimId: used.data.claimId, consent: 'awaiting-consent', consentDeadline: usedLink.deadline });
    const declined = await fetch(`${base}/v1/consent/${usedLink.token}`, { method: 'POST', headers: json });
    expect(await declined.json()).toMatchObject({ claimId: used.data.claimId, consent: 'declined' });
    const again = await fetch(`${base}/v1/consent/${usedLink.token}`, { method: 'POST', headers: json });
    expect(again.status).toBe(410);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const usedProblem = (await again.json()) as { instance?: string };
    expect(usedProblem).toMatchObject({ type: 'urn:cpor:problem:consent-link-used', status: 410, code: 'consent-link-used' });
    expect(usedProblem.instance).toBeUndefined();

    const expired = await approvedClaim();
    await consent.onApproved(expired);
    const expiredLink = await linkOf(expired.data.claimId);
    clock.set(expiredLink.deadline);
    const late = await fetch(`${base}/v1/consent/${expiredLink.token}`, { headers: json });
    expect(late.status).toBe(410);
    expect(await late.json()).toMatchObject({ type: 'urn:cpor:problem:consent-link-expired', status: 410, code: 'consent-link-expired' });

    const tampered = await fetch(`${base}/v1/consent/${expiredLink.token.slice(0, -3)}abc`, { headers: json });
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toMatchObject({ code: 'consent-link-invalid' });
  });

  it('answers a tampered link 400, an unknown approval 404, a moved-on claim 409 and an expired link 410, as HTML', async () => {
    const approved = await approvedClaim();
    const claimId = approved.data.claimId;
    await consent.onApproved(approved);
    const { token, epoch, deadline } = await linkOf(claimId);

    const tampered = await fetch(`${base}/v1/consent/${token.slice(0, -3)}abc`, { method: 'POST' });
    expect(tampered.status).toBe(400);
    expect(tampered.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await tampered.text()).toContain('not valid');

    const unknown = await fetch(`${base}/v1/consent/${signer.token({ claimId, epoch: epoch + 1, expiresAt: deadline })}`);
    expect(unknown.status).toBe(404);

    clock.set(deadline);
    expect((await fetch(`${base}/v1/consent/${token}`)).status).toBe(410);

    clock.set('2026-11-25T09:00:00.000Z');
    await ledger.execute(claimId, { type: 'withdraw', subReason: 'no-longer-working-with-customer' }, PARTNER);
    const moved = await fetch(`${base}/v1/consent/${token}`, { method: 'POST' });
    expect(moved.status).toBe(409);
    expect(await moved.text()).toContain('no longer awaiting');
  });
});
