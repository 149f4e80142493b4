import { randomUUID } from 'node:crypto';
import { TOPICS } from '@cpor/contracts';
import { http } from '../support/http.js';
import { distinctEvents, TestKafkaClient, type ReceivedRecord } from '../support/kafka-client.js';
import { startSystem, type RunningSystem } from '../support/system.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The review deadlines end to end (R3, R4, R6, R9): the clock is moved past the due time the
 * API shows, and the review service's deadline poller must act on its own, exactly once.
 * Every test reads its due times from the API, so the business calendar (weekends, US holidays,
 * America/New_York) is whatever the product says it is; the tests never assume a date.
 */

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
const SLA_BREACHED = 'cpor.claim.sla-breached.v1';
const REJECTED = 'cpor.claim.rejected.v1';

function claimFields(tag: string) {
  return {
    mpnId: '1234567',
    customer: { tenantId: randomUUID(), name: `Fabrikam ${tag}`, domain: 'fabrikam.example' },
    customerContact: { name: 'Casey Customer', email: `customer-${tag}@fabrikam.example` },
    partnerContact: { name: 'Pat Partner', email: `partner-${tag}@contoso.example` },
    products: ['business-applications'],
    activity: 'pre-sales',
    subscriptionOrTenantId: randomUUID(),
  };
}


describe('review deadlines: SLA breaches, partner response, dispute window', () => {
  let system: RunningSystem;
  let kafka: TestKafkaClient;
  let reviewer: string;
  let intake: string;
  let review: string;
  let counter = 0;

  async function newPartner() {
    const partnerId = `d${++counter}-${system.runId}`;
    const token = await system.token({ sub: `admin-${partnerId}`, roles: ['incentives-admin'], partnerId });
    return { partnerId, token, tag: `${system.runId}-${counter}` };
  }

  async function submittedClaim(token: string, tag: string) {
    const created = await http('POST', `${intake}/v1/claims`, { token, body: claimFields(tag) });
    expect(created.status).toBe(201);
    const files = new FormData();
    files.append('files', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'poe.pdf');
    expect((await http('POST', `${intake}/v1/claims/${created.body.id}/poe`, { token, form: files })).status).toBe(200);
    const submitted = await http('POST', `${intake}/v1/claims/${created.body.id}/submit`, { token });
    expect(submitted.status).toBe(200);
    return submitted.body;
  }

  async function reviewerDoes(claimId: string, action: string, body?: unknown) {
    const response = await http('POST', `${review}/v1/reviews/${claimId}/${action}`, { token: reviewer, body });
    expect(response.status).toBe(200);
    return response.body;
  }

  async function claim(token: string, claimId: string) {
    const response = await http('GET', `${intake}/v1/claims/${claimId}`, { token });
    expect(response.status).toBe(200);
    return response.body;
  }

  async function queueItem(claimId: string) {
    const queue = await http('GET', `${review}/v1/reviews/queue?limit=200`, { token: reviewer });
    expect(queue.status).toBe(200);
    return queue.body.items.find((item: { claimId: string }) => item.claimId === claimId);
  }

  /** Moves the business clock just past a due time the API gave. */
  function moveClockPast(dueAt: string, byMs = 60_000) {
    const delta = Date.parse(dueAt) - system.clock.now().getTime() + byMs;
    if (delta > 0) system.clock.advance(delta);
  }

  function eventsOf(claimId: string, type?: string): ReceivedRecord[] {
    return distinctEvents(kafka.on(TOPICS.claimEvents).filter((record) => record.key === claimId)).filter((record) => !type || record.headers.ce_type === type);
  }

  function breaches(claimId: string, sla: string): ReceivedRecord[] {
    return eventsOf(claimId, SLA_BREACHED).filter((record) => record.json().sla === sla);
  }

  /**
   * Proof that the deadline poller has caught up: a fresh sentinel claim's review-start deadline
   * is made due and its breach observed. The poller fires due deadlines oldest first, so every
   * deadline due before the sentinel's has had its chance to fire (again) by then.
   */
  async function pollerCaughtUp() {
    const { token, tag } = await newPartner();
    const sentinel = await submittedClaim(token, `${tag}-sentinel`);
    const item = await waitFor(() => queueItem(sentinel.id));
    moveClockPast(item.sla.dueAt);
    await waitFor(() => breaches(sentinel.id, 'review-start')[0], { message: 'the sentinel deadline to fire', timeoutMs: 30_000 });
  }

  beforeAll(async () => {
    system = await startSystem();
    intake = system.urls.intake;
    review = system.urls.review;
    kafka = new TestKafkaClient(system.topicPrefix);
    await kafka.connect();
    await kafka.collect([TOPICS.claimEvents]);
    reviewer = await system.token({ sub: 'reviewer-grace', roles: ['poe-reviewer'] });
  });

  afterAll(async () => {
    await kafka?.disconnect();
    await system?.stop();
  });

  it('R3, R4: review not started by its due time, then no decision by its due time: one sla-breached event each, status unchanged', async () => {
    const { token, tag } = await newPartner();
    const late = await submittedClaim(token, `${tag}-late`);
    const onTime = await submittedClaim(token, `${tag}-on-time`);
    await reviewerDoes(onTime.id, 'start');

    // R3: the queue shows when the review must start.
    const queued = await waitFor(() => queueItem(late.id));
    expect(queued.sla.sla).toBe('review-start');
    const onTimeQueued = await queueItem(onTime.id);
    moveClockPast(queued.sla.dueAt);

    const reviewStart = await waitFor(() => breaches(late.id, 'review-start')[0], { message: 'review-start SLA breach', timeoutMs: 30_000 });
    expect(reviewStart.headers).toMatchObject({ ce_subject: late.id, ce_source: 'cpor/review' });
    expect(reviewStart.json()).toMatchObject({ sla: 'review-start', dueAt: queued.sla.dueAt, status: 'Submitted', claimId: late.id, actor: { kind: 'system' } });
    expect((await claim(token, late.id)).status).toBe('Submitted');

    // R4: a late start is still a start; now the decision is due.
    await reviewerDoes(late.id, 'start');
    const underReview = await queueItem(late.id);
    expect(underReview.sla.sla).toBe('decision');
    expect(Date.parse(underReview.sla.dueAt)).toBeGreaterThan(system.clock.now().getTime());
    moveClockPast(underReview.sla.dueAt);

    const decision = await waitFor(() => breaches(late.id, 'decision')[0], { message: 'decision SLA breach', timeoutMs: 30_000 });
    expect(decision.json()).toMatchObject({ sla: 'decision', dueAt: underReview.sla.dueAt, status: 'UnderReview' });
    // The decision SLA of the claim started on time (whose own due time has passed too) breached as well, but its review-start never did.
    expect(Date.parse(onTimeQueued.sla.dueAt)).toBeLessThan(system.clock.now().getTime());

    await pollerCaughtUp();
    expect(breaches(late.id, 'review-start')).toHaveLength(1);
    expect(breaches(late.id, 'decision')).toHaveLength(1);
    expect(breaches(onTime.id, 'review-start')).toHaveLength(0);
    expect(breaches(onTime.id, 'decision')).toHaveLength(1);

    const view = await claim(token, late.id);
    expect(view.status).toBe('UnderReview');
    expect(view.slaBreaches.map((b: { sla: string }) => b.sla)).toEqual(['review-start', 'decision']);
    const history = (await http('GET', `${intake}/v1/claims/${late.id}/history`, { token })).body;
    const slaEntries = history.entries.filter((e: { action: string }) => e.action === 'recordSlaBreach');
    expect(slaEntries.map((e: any) => [e.actor.kind, e.details.sla])).toEqual([
      ['system', 'review-start'],
      ['system', 'decision'],
    ]);
    // Breaches change no status: the reviewer can still decide.
    expect((await reviewerDoes(late.id, 'approve', { comment: 'Late but fine' })).status).toBe('Approved');
  });

  it('R6: a silent partner is rejected for no partner response after the due time, exactly once; a partner who resubmitted in time is not', async () => {
    const { token, tag } = await newPartner();
    const silent = await submittedClaim(token, `${tag}-silent`);
    const responsive = await submittedClaim(token, `${tag}-responsive`);
    for (const id of [silent.id, responsive.id]) {
      await reviewerDoes(id, 'start');
      await reviewerDoes(id, 'request-info', { reasons: ['missing-or-old-dates'], comment: 'Please add the dates of the engagement' });
    }
    const asked = await claim(token, silent.id);
    expect(asked.status).toBe('PartnerActionRequired');
    const dueAt: string = asked.infoRequest.dueAt;
    expect(Date.parse(dueAt)).toBeGreaterThan(system.clock.now().getTime());

    // The responsive partner edits and resubmits before the due time.
    expect((await http('PATCH', `${intake}/v1/claims/${responsive.id}`, { token, body: { workloads: ['Dynamics 365 Sales'] } })).status).toBe(200);
    expect((await http('POST', `${intake}/v1/claims/${responsive.id}/submit`, { token })).body.status).toBe('Submitted');

    // Past both due times, the review service rejects the silent one on its own.
    const responsiveDue: string = (await claim(token, responsive.id)).infoRequest.dueAt;
    moveClockPast(Date.parse(dueAt) > Date.parse(responsiveDue) ? dueAt : responsiveDue);
    const rejected = await waitFor(
      async () => {
        const view = await claim(token, silent.id);
        return view.status === 'Rejected' ? view : undefined;
      },
      { message: 'the claim rejected for no partner response', timeoutMs: 30_000 },
    );
    expect(rejected.rejection).toMatchObject({ reason: 'no-partner-response' });
    expect(Date.parse(rejected.rejection.rejectedAt)).toBeGreaterThanOrEqual(Date.parse(dueAt));
    const event = await waitFor(() => eventsOf(silent.id, REJECTED)[0]);
    expect(event.json()).toMatchObject({ reason: 'no-partner-response', disputable: true, actor: { kind: 'system' } });

    await pollerCaughtUp();
    const history = (await http('GET', `${intake}/v1/claims/${silent.id}/history`, { token })).body;
    const rejections = history.entries.filter((e: { toStatus: string; fromStatus: string }) => e.toStatus === 'Rejected' && e.fromStatus !== 'Rejected');
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ action: 'expirePartnerResponse', actor: { kind: 'system' }, fromStatus: 'PartnerActionRequired' });
    expect(eventsOf(silent.id, REJECTED)).toHaveLength(1);

    // Too late to resubmit now; the partner may dispute instead (R9).
    const late = await http('POST', `${intake}/v1/claims/${silent.id}/submit`, { token });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ currentStatus: 'Rejected', action: 'submit' });

    const stillThere = await claim(token, responsive.id);
    expect(stillThere.status).toBe('Submitted');
    expect(stillThere.rejection).toBeUndefined();
    expect(eventsOf(responsive.id, REJECTED)).toHaveLength(0);
  });

  it('R9: a dispute just inside the 30-day window is accepted; after it, refused with 409 telling the partner a new claim is needed', async () => {
    const { token, tag } = await newPartner();
    const inside = await submittedClaim(token, `${tag}-inside`);
    const outside = await submittedClaim(token, `${tag}-outside`);
    for (const id of [inside.id, outside.id]) {
      await reviewerDoes(id, 'start');
      await reviewerDoes(id, 'reject', { reason: 'poe-unavailable', comment: 'The document cannot be opened' });
    }
    const insideUntil: string = (await claim(token, inside.id)).rejection.disputeUntil;
    const outsideUntil: string = (await claim(token, outside.id)).rejection.disputeUntil;

    moveClockPast(insideUntil, -60 * 60 * 1000); // an hour before the window closes
    const accepted = await http('POST', `${intake}/v1/claims/${inside.id}/disputes`, { token, body: { justification: 'Re-exported the PDF; it opens now' } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.disputes).toHaveLength(1);

    moveClockPast(outsideUntil); // the other claim's window is now closed (31 days and more would be too)
    const refused = await http('POST', `${intake}/v1/claims/${outside.id}/disputes`, { token, body: { justification: 'Too late?' } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('window-closed');
    expect(refused.body.detail).toMatch(/new claim/);
    expect(refused.body).toMatchObject({ reason: 'dispute-window', disputeUntil: outsideUntil });

    // Updated PoE for a dispute is refused the same way, and nothing is added.
    const files = new FormData();
    files.append('files', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'new-poe.pdf');
    const withPoe = await http('POST', `${intake}/v1/claims/${outside.id}/disputes`, { token, form: files });
    expect(withPoe.status).toBe(409);
    expect(withPoe.body.detail).toMatch(/new claim/);
    const after = await claim(token, outside.id);
    expect(after.disputes).toEqual([]);
    expect(after.poe).toHaveLength(1);
  });

  it('R9: an open dispute not answered by its due time produces one sla-breached event (dispute-answer); a late answer is still accepted', async () => {
    const { token, tag } = await newPartner();
    const disputed = await submittedClaim(token, tag);
    await reviewerDoes(disputed.id, 'start');
    await reviewerDoes(disputed.id, 'reject', { reason: 'missing-products', comment: 'Business Applications is not on the PoE' });
    const opened = await http('POST', `${intake}/v1/claims/${disputed.id}/disputes`, { token, body: { justification: 'Dynamics 365 is Business Applications' } });
    expect(opened.status).toBe(200);
    const dispute = opened.body.disputes[0];

    const queued = await waitFor(() => queueItem(disputed.id));
    expect(queued.sla).toEqual({ sla: 'dispute-answer', dueAt: dispute.dueAt });
    moveClockPast(dispute.dueAt);

    const breach = await waitFor(() => breaches(disputed.id, 'dispute-answer')[0], { message: 'dispute-answer SLA breach', timeoutMs: 30_000 });
    expect(breach.json()).toMatchObject({ sla: 'dispute-answer', dueAt: dispute.dueAt, disputeId: dispute.id, status: 'Rejected' });

    await pollerCaughtUp();
    expect(breaches(disputed.id, 'dispute-answer')).toHaveLength(1);

    const sustained = await reviewerDoes(disputed.id, 'dispute-decision', { decision: 'sustained', comment: 'Sorry for the delay; the PoE still lacks the product' });
    expect(sustained.status).toBe('Rejected');
    expect((await queueItem(disputed.id))).toBeUndefined();
  });
});
