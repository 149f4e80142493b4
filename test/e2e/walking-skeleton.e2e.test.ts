import { randomUUID } from 'node:crypto';
import { claimIdForRequest, EVENT_TYPES, REQUEST_TYPES, TOPICS } from '@cpor/contracts';
import { http } from '../support/http.js';
import { TestKafkaClient } from '../support/kafka-client.js';
import { getMessage, waitForMessages } from '../support/mailbox.js';
import { startSystem, type RunningSystem } from '../support/system.js';
import { waitFor } from '../support/wait-for.js';


function claimRequest(runId: string, partnerId: string) {
  return {
    partnerId,
    requestedBy: 'crm-sync',
    submit: true,
    claim: {
      mpnId: '1234567',
      customer: { tenantId: randomUUID(), name: `Contoso ${runId}`, domain: 'contoso.example' },
      customerContact: { name: 'Casey Customer', email: `customer-${runId}@contoso.example` },
      partnerContact: { name: 'Pat Partner', email: `partner-${runId}@fabrikam.example` },
      products: ['microsoft-365'],
      activity: 'pre-sales',
      subscriptionOrTenantId: randomUUID(),
    },
    poe: [{ documentId: `doc-${runId}`, fileName: 'signed-sow.pdf', contentType: 'application/pdf', size: 48213, sha256: 'a'.repeat(64) }],
  };
}

describe('walking skeleton: one claim through all five services on the real servers', () => {
  let system: RunningSystem;
  let kafka: TestKafkaClient;

  beforeAll(async () => {
    system = await startSystem();
    kafka = new TestKafkaClient(system.topicPrefix);
    await kafka.connect();
    await kafka.collect([TOPICS.claimEligibility, TOPICS.claimRequestsRejected, TOPICS.claimEvents]);
  });

  afterAll(async () => {
    await kafka?.disconnect();
    await system?.stop();
  });

  it('R1-R7, R13: a claim request from upstream is created, submitted, reviewed, approved, consented by silence and assessed', async () => {
    const partnerId = `p-${system.runId}`;
    const request = claimRequest(system.runId, partnerId);
    const requestId = randomUUID();
    await kafka.sendEvent(TOPICS.claimRequests, { id: requestId, type: REQUEST_TYPES.create, subject: partnerId, data: request });

    const partner = await system.token({ roles: ['incentives-admin'], partnerId });
    const reviewer = await system.token({ sub: 'reviewer-1', roles: ['poe-reviewer'] });

    // Intake creates and submits the claim; the partner sees it over HTTP.
    const claim = await waitFor(
      async () => {
        const list = await http('GET', `${system.urls.intake}/v1/claims?status=Submitted`, { token: partner });
        return list.body?.items?.[0];
      },
      { message: 'claim submitted from the upstream request', timeoutMs: 30_000 },
    );
    expect(claim.poe).toHaveLength(1);
    // Upstream knows the claim's id in advance, and every event the request caused names the request.
    expect(claim.id).toBe(claimIdForRequest(requestId));
    const caused = await waitFor(() => {
      const records = kafka.on(TOPICS.claimEvents).filter((record) => record.key === claim.id);
      return records.some((record) => record.headers.ce_type === EVENT_TYPES.submitted) ? records : undefined;
    });
    expect(caused.map((record) => record.headers.ce_type)).toEqual([EVENT_TYPES.created, EVENT_TYPES.poeAdded, EVENT_TYPES.submitted]);
    for (const record of caused) expect({ correlation: record.headers.ce_correlationid, causation: record.headers.ce_causationid }).toEqual({ correlation: requestId, causation: requestId });

    // A reviewer finds it in the queue, starts the review and approves.
    const queue = await waitFor(async () => {
      const response = await http('GET', `${system.urls.review}/v1/reviews/queue`, { token: reviewer });
      return response.body?.items?.find((item: { claimId: string }) => item.claimId === claim.id);
    });
    expect(queue.sla.sla).toBe('review-start');
    expect((await http('POST', `${system.urls.review}/v1/reviews/${claim.id}/start`, { token: reviewer })).status).toBe(200);
    const approved = await http('POST', `${system.urls.review}/v1/reviews/${claim.id}/approve`, { token: reviewer, body: { comment: 'PoE is signed' } });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('Approved');

    // Consent emails the customer a decline link.
    const customerEmail = request.claim.customerContact.email;
    const [consentMail] = await waitForMessages((message) => message.to.includes(customerEmail), { timeoutMs: 30_000 });
    const consentBody = await getMessage(consentMail.id);
    expect(consentBody.text).toContain(`${system.urls.consent}/v1/consent/`);

    // Seven days pass without a decline: the consent deadline fires and eligibility assesses.
    const consentRequested = await waitFor(async () => {
      const view = await http('GET', `${system.urls.intake}/v1/claims/${claim.id}`, { token: partner });
      return view.body?.consent?.deadline ? view.body : undefined;
    });
    expect(Date.parse(consentRequested.consent.deadline)).toBeGreaterThan(system.clock.now().getTime());
    system.clock.advanceDays(8);

    const assessment = await waitFor(() => kafka.on(TOPICS.claimEligibility).find((record) => record.key === claim.id), {
      message: 'assessment on the downstream topic',
      timeoutMs: 30_000,
    });
    const assessed = assessment.json();
    expect(assessed.claimId).toBe(claim.id);
    expect(assessed.results[0]).toMatchObject({ product: 'microsoft-365' });
    expect(assessment.headers.ce_type).toBe('cpor.claim-eligibility.assessment.v1');

    // The partner's emails: submitted, review started, approved, sent to assessment.
    const partnerEmail = request.claim.partnerContact.email;
    const partnerMails = await waitForMessages((message) => message.to.includes(partnerEmail), { count: 4, timeoutMs: 30_000 });
    expect(partnerMails.length).toBeGreaterThanOrEqual(4);

    // The history lists every step in order.
    const history = await waitFor(async () => {
      const response = await http('GET', `${system.urls.intake}/v1/claims/${claim.id}/history`, { token: partner });
      const actions: string[] = response.body?.entries?.map((entry: { action: string }) => entry.action) ?? [];
      return actions.includes('recordEligibility') ? actions : undefined;
    });
    expect(history).toEqual(['create', 'addPoe', 'submit', 'startReview', 'approve', 'requestConsent', 'elapseConsent', 'recordEligibility']);
  });

  it('answers invalid requests on the rejected topic with the original payload and every error, and keeps going', async () => {
    const partnerId = `p2-${system.runId}`;
    const badJsonId = randomUUID();
    await kafka.send(TOPICS.claimRequests, {
      key: 'bad-json',
      value: '{"partnerId": "oops",',
      headers: { ce_specversion: '1.0', ce_id: badJsonId, ce_type: REQUEST_TYPES.create, ce_source: 'urn:test', ce_subject: 'x', ce_time: new Date().toISOString() },
    });
    const missingFieldsId = randomUUID();
    const invalid = { partnerId, requestedBy: 'crm', claim: { mpnId: 'abc', products: ['xbox'] } };
    await kafka.sendEvent(TOPICS.claimRequests, { id: missingFieldsId, type: REQUEST_TYPES.create, subject: partnerId, data: invalid });
    const validId = randomUUID();
    await kafka.sendEvent(TOPICS.claimRequests, { id: validId, type: REQUEST_TYPES.create, subject: partnerId, data: claimRequest(`${system.runId}b`, partnerId) });

    const rejectedBadJson = await waitFor(() => kafka.on(TOPICS.claimRequestsRejected).find((record) => record.json().requestId === badJsonId), {
      message: 'bad JSON rejected',
    });
    expect(rejectedBadJson.json().originalPayload).toBe('{"partnerId": "oops",');
    expect(rejectedBadJson.json().errors.join(' ')).toMatch(/JSON/i);

    const rejectedInvalid = await waitFor(() => kafka.on(TOPICS.claimRequestsRejected).find((record) => record.json().requestId === missingFieldsId));
    const rejection = rejectedInvalid.json();
    expect(JSON.parse(rejection.originalPayload)).toEqual(invalid);
    const errors: string = rejection.errors.join('\n');
    for (const field of ['claim.mpnId', 'claim.products', 'claim.customer', 'claim.customerContact', 'claim.partnerContact', 'claim.activity', 'claim.subscriptionOrTenantId']) {
      expect(errors).toContain(field);
    }

    const partner = await system.token({ roles: ['billing-admin'], partnerId });
    const created = await waitFor(async () => (await http('GET', `${system.urls.intake}/v1/claims?status=Submitted`, { token: partner })).body?.items?.[0], {
      message: 'the valid request after the invalid ones is processed',
      timeoutMs: 30_000,
    });
    expect(created.poe).toHaveLength(1);
  });
  it('refuses JSON nested 5,000 levels deep: 400 over HTTP, on the rejected topic with its payload at the first attempt over Kafka', async () => {
    const partnerId = `p3-${system.runId}`;
    const deep = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    const partner = await system.token({ roles: ['incentives-admin'], partnerId });
    const response = await fetch(`${system.urls.intake}/v1/claims`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partner}`, 'content-type': 'application/json' },
      body: `{"mpnId":"1234567","customer":${deep}}`,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: string[] }).errors).toEqual(['body nests deeper than 32 levels']);

    const deepId = randomUUID();
    await kafka.send(TOPICS.claimRequests, {
      key: 'deep',
      value: deep,
      headers: { ce_specversion: '1.0', ce_id: deepId, ce_type: REQUEST_TYPES.create, ce_source: 'urn:test', ce_subject: 'deep', ce_time: new Date().toISOString() },
    });
    const rejected = await waitFor(() => kafka.on(TOPICS.claimRequestsRejected).find((record) => record.json().requestId === deepId), {
      message: 'deep request rejected',
    });
    expect(rejected.json().originalPayload).toBe(deep);
    expect(rejected.json().errors).toEqual(['value nests deeper than 32 levels']);
  });

  it('answers a request near the broker\'s size limit on the rejected topic at the first attempt, its payload cut to fit', async () => {
    // 900,000 control bytes: as JSON text six times that, more than the broker takes in one record.
    const value = '\u0001'.repeat(900_000);
    const hugeId = randomUUID();
    await kafka.send(TOPICS.claimRequests, {
      key: 'huge',
      value,
      headers: { ce_specversion: '1.0', ce_id: hugeId, ce_type: REQUEST_TYPES.create, ce_source: 'urn:test', ce_subject: 'huge', ce_time: new Date().toISOString() },
    });
    const rejected = await waitFor(() => kafka.on(TOPICS.claimRequestsRejected).find((record) => record.json().requestId === hugeId), {
      message: 'huge request rejected',
      timeoutMs: 30_000,
    });
    const rejection = rejected.json();
    expect(rejection).toMatchObject({ originalPayloadTruncated: true, originalPayloadBytes: 900_000, errors: ['value is not valid JSON'] });
    expect(rejection.originalPayload.length).toBeGreaterThan(50_000);
    expect(value.startsWith(rejection.originalPayload)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(rejection))).toBeLessThanOrEqual(512 * 1024);
  });
});
