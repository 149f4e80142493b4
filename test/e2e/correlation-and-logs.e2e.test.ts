import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, TOPICS } from '@cpor/contracts';
import { SERVICE_NAMES } from '@cpor/platform';
import { http } from '../support/http.js';
import { distinctEvents, TestKafkaClient, type ReceivedRecord } from '../support/kafka-client.js';
import { claimFields, consentLinkIn, LifecycleDriver, PDF, waitForMail } from '../support/lifecycle-driver.js';
import { startSystem, type RunningSystem } from '../support/system.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Correlation ids and logs, end to end: an HTTP caller's X-Correlation-Id comes back in the
 * answer, is the ce_correlationid of every event the request causes and of the events those cause
 * in other services, and is the correlationId of the log lines written for all of it. The five
 * services run at LOG_LEVEL=debug with JSON lines, and standard output is captured: no line may
 * hold a bearer token, the consent token, an email address or a contact's name (the canary).
 */

const tag = randomUUID().slice(0, 8);
type Line = Record<string, any>;

describe('correlation ids from HTTP callers, through the services, into the logs', () => {
  let system: RunningSystem;
  let kafka: TestKafkaClient;
  let driver: LifecycleDriver;
  const captured: string[] = [];
  /** The services' lines (anything else on standard output, e.g. a console.log, is left out here but not by the canary). */
  const lines = (): Line[] =>
    captured
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{"level":'))
      .map((line) => JSON.parse(line) as Line);

  beforeAll(async () => {
    // Every line the services write, kept here instead of printed.
    jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as never);
    system = await startSystem({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' });
    driver = new LifecycleDriver(system, `p-${tag}`);
    kafka = new TestKafkaClient(system.topicPrefix);
    await kafka.connect();
    await kafka.collect([TOPICS.claimEvents]);
  });

  afterAll(async () => {
    await kafka?.disconnect();
    await system?.stop();
    jest.restoreAllMocks();
  });

  const fields = claimFields(`${tag}-corr`);
  const createId = `crm-create-${tag}`;
  const reviewId = `crm-review-${tag}`;
  const declineId = `crm-decline-${tag}`;
  let claimId: string;
  let consentLink: string;

  /** The claim's distinct events of these types, once all of them are there. */
  async function eventsOf(types: string[]): Promise<ReceivedRecord[]> {
    return waitFor(
      () => {
        const records = distinctEvents(kafka.on(TOPICS.claimEvents).filter((record) => record.key === claimId && types.includes(record.headers.ce_type!)));
        return types.every((type) => records.some((record) => record.headers.ce_type === type)) ? records : undefined;
      },
      { message: `events ${types.join(', ')} of claim ${claimId}`, timeoutMs: 30_000 },
    );
  }

  async function lineWhere(predicate: (line: Line) => boolean, what: string): Promise<Line> {
    return waitFor(() => lines().find(predicate), { message: `a log line: ${what}`, timeoutMs: 30_000 });
  }

  it('answers the caller its X-Correlation-Id and puts it on every event of a create, upload and submit', async () => {
    const token = await driver.partner();
    const headers = { 'x-correlation-id': createId };
    const created = await http('POST', `${system.urls.intake}/v1/claims`, { token, body: fields, headers });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-correlation-id')).toBe(createId);
    claimId = created.body.id;
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'signed-sow.pdf');
    const uploaded = await http('POST', `${system.urls.intake}/v1/claims/${claimId}/poe`, { token, form, headers });
    expect(uploaded.status).toBe(200);
    const submitted = await http('POST', `${system.urls.intake}/v1/claims/${claimId}/submit`, { token, headers: { ...headers, 'idempotency-key': `submit-${tag}` } });
    expect(submitted.status).toBe(200);
    expect(submitted.headers.get('x-correlation-id')).toBe(createId);

    const events = await eventsOf([EVENT_TYPES.created, EVENT_TYPES.poeAdded, EVENT_TYPES.submitted]);
    expect(events.map((record) => [record.headers.ce_type, record.headers.ce_correlationid])).toEqual([
      [EVENT_TYPES.created, createId],
      [EVENT_TYPES.poeAdded, createId],
      [EVENT_TYPES.submitted, createId],
    ]);
  });

  it('makes one up when the caller sends none, or one that is not usable', async () => {
    const token = await driver.partner();
    for (const headers of [{}, { 'x-correlation-id': 'not usable: has spaces' }] as Array<Record<string, string>>) {
      const response = await http('GET', `${system.urls.intake}/v1/claims/${claimId}`, { token, headers });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-correlation-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it("carries a reviewer's correlation id from the approval to the events consent causes, and the customer's from the consent link", async () => {
    await driver.review(claimId, 'start');
    const approved = await http('POST', `${system.urls.review}/v1/reviews/${claimId}/approve`, {
      token: await driver.reviewer(),
      body: { comment: 'The PoE is signed by the customer' },
      headers: { 'x-correlation-id': reviewId },
    });
    expect(approved.status).toBe(200);
    expect(approved.headers.get('x-correlation-id')).toBe(reviewId);
    const [approval, consentRequested] = await eventsOf([EVENT_TYPES.approved, EVENT_TYPES.consentRequested]).then((records) =>
      [EVENT_TYPES.approved, EVENT_TYPES.consentRequested].map((type) => records.find((record) => record.headers.ce_type === type)!),
    );
    expect(approval!.headers.ce_correlationid).toBe(reviewId);
    // Written by consent, on the approval it consumed.
    expect(consentRequested!.headers).toMatchObject({ ce_correlationid: reviewId, ce_causationid: approval!.headers.ce_id, ce_source: 'cpor/consent' });

    await driver.waitForConsentRequested(claimId);
    const mail = await waitForMail(fields.customerContact.email, 'Partner of record association');
    consentLink = consentLinkIn(mail.text, system.urls.consent);
    // The link works once consent has stored its request (404 until then: nothing changes).
    const declined = await waitFor(
      async () => {
        const answer = await http('POST', consentLink, { headers: { 'x-correlation-id': declineId, accept: 'application/json' } });
        return answer.status === 404 ? undefined : answer;
      },
      { message: 'the consent link answers' },
    );
    expect(declined.status).toBe(200);
    expect(declined.headers.get('x-correlation-id')).toBe(declineId);
    const rejected = (await eventsOf([EVENT_TYPES.rejected])).find((record) => record.headers.ce_type === EVENT_TYPES.rejected)!;
    expect(rejected.headers.ce_correlationid).toBe(declineId);
  });

  it('logs JSON lines with the service, level, time and the ids of the request or record in hand', async () => {
    // intake's access log line of the submit.
    const submit = await lineWhere((line) => line.service === 'intake' && line.correlationId === createId && line.req?.path === `/v1/claims/${claimId}/submit` && line.status !== undefined, 'the submit');
    expect(submit).toMatchObject({ level: 'info', claimId, status: 200, req: { method: 'POST' }, msg: expect.stringMatching(/^POST \/v1\/claims\/.+\/submit 200 \d+ ms$/) });
    expect(submit.durationMs).toEqual(expect.any(Number));
    expect(new Date(submit.time).toISOString()).toBe(submit.time);
    expect(submit).not.toHaveProperty('traceId');

    // consent handling the approval: the record's ids, and the reviewer's correlation id.
    const approval = distinctEvents(kafka.on(TOPICS.claimEvents)).find((record) => record.key === claimId && record.headers.ce_type === EVENT_TYPES.approved)!;
    const handled = await lineWhere((line) => line.service === 'consent' && line.eventId === approval.headers.ce_id && line.context === 'KafkaTransport', 'consent handled the approval');
    expect(handled).toMatchObject({ level: 'debug', correlationId: reviewId, claimId, topic: TOPICS.claimEvents, partition: expect.any(Number), offset: expect.stringMatching(/^\d+$/) });

    // notifications queuing the partner's email for the submit: the partner's correlation id.
    await lineWhere((line) => line.service === 'notifications' && line.context === 'NotificationService' && line.correlationId === createId && line.claimId === claimId, 'notifications queued a delivery');

    // The consent link's access log line shows no token.
    const decline = await lineWhere((line) => line.service === 'consent' && line.correlationId === declineId && line.status !== undefined, 'the decline');
    expect(decline).toMatchObject({ status: 200, req: { method: 'POST', path: '/v1/consent/[redacted]' } });

    for (const line of lines()) {
      expect(SERVICE_NAMES).toContain(line.service);
      expect(typeof line.level).toBe('string');
      expect(typeof line.time).toBe('string');
      if (line.eventId !== undefined) expect(line).toMatchObject({ correlationId: expect.any(String), topic: expect.any(String), partition: expect.any(Number), offset: expect.any(String) });
    }
  });

  it('never logs a token, a consent link, an email address or a name (the canary)', async () => {
    const consentToken = consentLink.slice(consentLink.lastIndexOf('/') + 1);
    const bearer = [await driver.partner(), await driver.reviewer()];
    const canaries = [
      ...bearer,
      ...bearer.flatMap((token) => token.split('.').filter((part) => part.length > 8)),
      consentToken,
      ...consentToken.split('.'),
      fields.customerContact.email,
      fields.partnerContact.email,
      fields.customerContact.name,
      fields.partnerContact.name,
      fields.customer.name,
    ];
    const text = captured.join('');
    expect(lines().length).toBeGreaterThan(50);
    for (const canary of canaries) expect(text).not.toContain(canary);
    expect(text).not.toMatch(/[\w.+-]+@[\w-]+\.example/);
  });
});
