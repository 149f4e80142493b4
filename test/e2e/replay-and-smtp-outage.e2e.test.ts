import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { EVENT_TYPES, TOPICS } from '@cpor/contracts';
import type { MessagingAdmin } from '@cpor/messaging';
import { http } from '../support/http.js';
import { TestKafkaClient, type ReceivedRecord } from '../support/kafka-client.js';
import {
  claimFields,
  consentLinkIn,
  countByRecipient,
  duplicateMessageIds,
  LifecycleDriver,
  mailsTo,
  metricValue,
  opsAdmin,
  waitForMail,
  waitForMailTo,
  waitForNoLag,
  type Claim,
} from '../support/lifecycle-driver.js';
import { startSystem, type RunningSystem } from '../support/system.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Effects exactly once (DESIGN §2 "Delivery"): rewinding a service's consumer group with the ops
 * tooling and replaying the whole lifecycle topic sends no email again and records nothing again;
 * an SMTP outage delays email but loses none and sends none twice. Public interfaces only: HTTP,
 * Kafka (topics and the ops admin on consumer groups), Mailpit, and the services' /metrics.
 */

const HOUR_MS = 60 * 60 * 1000;
const tag = randomUUID().slice(0, 8);
const REVIEWERS_EMAIL = `reviewers-${tag}@cpor-ops.example`;
const OPS_EMAIL = `ops-${tag}@cpor-ops.example`;

function distinctIds(records: ReceivedRecord[]): string[] {
  return [...new Set(records.map((record) => record.headers.ce_id))].sort();
}

/** A TCP port nobody listens on (bound once by us, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('replays and SMTP outages: every effect exactly once', () => {
  let system: RunningSystem;
  let kafka: TestKafkaClient;
  let admin: MessagingAdmin;
  let driver: LifecycleDriver;

  beforeAll(async () => {
    system = await startSystem({ REVIEWERS_EMAIL, OPS_EMAIL });
    driver = new LifecycleDriver(system);
    admin = opsAdmin(system);
    kafka = new TestKafkaClient(system.topicPrefix);
    await kafka.connect();
    await kafka.collect([TOPICS.claimEligibility, TOPICS.claimEvents]);
  });

  afterAll(async () => {
    await admin?.disconnect();
    await kafka?.disconnect();
    await system?.stop();
  });

  const planned = () => metricValue(system.urls.notifications, 'cpor_notifications_planned_total');
  const eventsOf = (claimId: string, type?: string) =>
    kafka.on(TOPICS.claimEvents).filter((r) => r.key === claimId && (type === undefined || r.headers.ce_type === type));

  /** Stops the service, rewinds its group on the lifecycle topic to the log start (ops `replay`), starts it and waits until it caught up. */
  async function replay(service: 'notifications' | 'consent' | 'eligibility'): Promise<void> {
    await system.stopService(service);
    const rewound = await admin.rewindGroup(service, TOPICS.claimEvents);
    expect(rewound.topic).toBe(`${system.topicPrefix}${TOPICS.claimEvents}`);
    // The group now starts over: it is behind by the whole topic.
    const lag = (await admin.consumerLag(service, [TOPICS.claimEvents])).reduce((sum, row) => sum + row.lag, 0);
    expect(lag).toBeGreaterThan(20);
    await system.startService(service);
    await waitForNoLag(admin, service, TOPICS.claimEvents);
  }

  it('replaying the lifecycle topic to notifications, consent and eligibility sends no email twice and records nothing twice', async () => {
    // A full lifecycle on five claims: every kind of email.
    const aFields = claimFields(`${tag}-assessed`);
    const a = await driver.underReview(aFields);
    await driver.review(a.id, 'comments', { text: 'Looks complete.' });
    await driver.review(a.id, 'approve', {});
    const dFields = claimFields(`${tag}-declined`);
    const d = await driver.approved(dFields);
    const rFields = claimFields(`${tag}-rejected`);
    const r = await driver.underReview(rFields);
    await driver.review(r.id, 'reject', { reason: 'poe-unavailable', comment: 'The file cannot be opened.' });
    const iFields = claimFields(`${tag}-info`);
    const i = await driver.underReview(iFields);
    await driver.review(i.id, 'request-info', { reasons: ['missing-products'], comment: 'Dynamics 365 is not in the PoE.' });
    const sFields = claimFields(`${tag}-sla`);
    const s = await driver.submitted(sFields);

    const aWindow = await driver.waitForConsentRequested(a.id);
    const dWindow = await driver.waitForConsentRequested(d.id);
    const declineMail = await waitForMail(dFields.customerContact.email, 'Partner of record association');
    const declineLink = consentLinkIn(declineMail.text, system.urls.consent);
    const aLink = consentLinkIn((await waitForMail(aFields.customerContact.email, 'Partner of record association')).text, system.urls.consent);
    expect((await http('POST', declineLink)).status).toBe(200);
    await driver.waitForClaim(d.id, (c) => c.status === 'Rejected', 'declined');
    const iPar = await driver.waitForClaim(i.id, (c) => c.status === 'PartnerActionRequired', 'info requested');
    const reviewStartDue = Date.parse((await driver.queueItem(s.id)).sla!.dueAt);
    const until = Math.max(Date.parse(aWindow.consent.deadline), Date.parse(dWindow.consent.deadline), Date.parse(iPar.infoRequest.dueAt), reviewStartDue);
    system.clock.advance(until - system.clock.now().getTime() + HOUR_MS);
    await driver.waitForHistoryAction(a.id, 'recordEligibility');
    await driver.waitForClaim(i.id, (c) => c.status === 'Rejected', 'rejected for no partner response');
    // W: approved after that, so its consent window is still open during the replays.
    const wFields = claimFields(`${tag}-window`);
    const w = await driver.approved(wFields);
    const wWindow = await driver.waitForConsentRequested(w.id);
    const wLink = consentLinkIn((await waitForMail(wFields.customerContact.email, 'Partner of record association')).text, system.urls.consent);

    // Every email of the lifecycle has arrived.
    const expected: Record<string, number> = {
      [aFields.partnerContact.email]: 5, // submitted, review started, reviewer comment, approved, sent to eligibility
      [aFields.customerContact.email]: 1, // consent request
      [dFields.partnerContact.email]: 4, // submitted, review started, approved, rejected (customer decline)
      [dFields.customerContact.email]: 1,
      [rFields.partnerContact.email]: 3, // submitted, review started, rejected
      [iFields.partnerContact.email]: 4, // submitted, review started, info requested, rejected (no partner response)
      [sFields.partnerContact.email]: 1, // submitted
      [wFields.partnerContact.email]: 3, // submitted, review started, approved
      [wFields.customerContact.email]: 1,
      [REVIEWERS_EMAIL]: 1, // SLA breach (R3) of s
      [OPS_EMAIL]: 1,
    };
    const expectedTotal = Object.values(expected).reduce((sum, n) => sum + n, 0);
    const before = await waitFor(async () => {
      const mails = await mailsTo(tag);
      return mails.length >= expectedTotal ? mails : undefined;
    }, { message: `${expectedTotal} emails of the lifecycle`, timeoutMs: 30_000 });
    expect(countByRecipient(before)).toEqual(expected);
    const plannedBefore = await planned();
    const versionsBefore = await Promise.all([a, d, r, i, s, w].map(async (claim) => (await driver.claim(claim.id)).version));
    const eligibilityBefore = kafka.on(TOPICS.claimEligibility).length;
    expect(distinctIds(kafka.on(TOPICS.claimEligibility))).toHaveLength(1);

    // --- Replay notifications from the start of the lifecycle topic.
    await replay('notifications');
    // Caught up (offsets committed after the deliveries were durably queued) and nothing new queued...
    expect(await planned()).toBe(plannedBefore);
    // ...and nothing new sent: a fresh email after the replay is a barrier (the sender sends in queue order).
    await driver.review(r.id, 'comments', { text: 'Replay barrier' });
    await waitForMail(rFields.partnerContact.email, `New reviewer comment on CPOR claim ${r.id}`);
    const afterNotifications = await mailsTo(tag);
    expect(countByRecipient(afterNotifications)).toEqual({ ...expected, [rFields.partnerContact.email]: expected[rFields.partnerContact.email] + 1 });
    expect(duplicateMessageIds(afterNotifications)).toEqual([]);

    // --- Replay consent and eligibility: no second consent request, no second assessment.
    await replay('consent');
    await replay('eligibility');
    const versionsAfter = await Promise.all([a, d, r, i, s, w].map(async (claim) => (await driver.claim(claim.id)).version));
    expect(versionsAfter).toEqual([versionsBefore[0], versionsBefore[1], versionsBefore[2] + 1, ...versionsBefore.slice(3)]); // r: the barrier comment
    for (const claim of [a, d, w]) {
      expect(distinctIds(eventsOf(claim.id, EVENT_TYPES.consentRequested))).toHaveLength(1);
    }
    expect(distinctIds(eventsOf(a.id, EVENT_TYPES.consentPeriodElapsed))).toHaveLength(1);
    expect(distinctIds(eventsOf(a.id, EVENT_TYPES.eligibilityAssessed))).toHaveLength(1);
    expect(kafka.on(TOPICS.claimEligibility)).toHaveLength(eligibilityBefore);
    expect(distinctIds(kafka.on(TOPICS.claimEligibility))).toHaveLength(1);
    // The consent links answer as before: used stays used, expired stays expired.
    expect((await http('GET', declineLink)).status).toBe(410);
    expect((await http('GET', aLink)).text).toContain('This link has expired');
    expect((await http('GET', wLink)).status).toBe(200);
    expect(await planned()).toBe(plannedBefore + 1);

    // W's window (re-requested by the replayed approval, idempotently) ends once: one assessment, one email.
    system.clock.advance(Date.parse(wWindow.consent.deadline) - system.clock.now().getTime() + HOUR_MS);
    await driver.waitForHistoryAction(w.id, 'recordEligibility');
    await waitForMail(wFields.partnerContact.email, `CPOR claim ${w.id} for ${wFields.customer.name} sent to eligibility assessment`);
    expect(distinctIds(eventsOf(w.id, EVENT_TYPES.consentRequested))).toHaveLength(1);
    expect(distinctIds(eventsOf(w.id, EVENT_TYPES.consentPeriodElapsed))).toHaveLength(1);
    await waitFor(() => kafka.on(TOPICS.claimEligibility).some((record) => record.key === w.id), { message: 'W assessed downstream' });
    expect(distinctIds(kafka.on(TOPICS.claimEligibility))).toHaveLength(2);

    await driver.review(r.id, 'comments', { text: 'Second replay barrier' });
    await waitForMailTo(rFields.partnerContact.email, (mails) => mails.length === expected[rFields.partnerContact.email] + 2, 'second barrier');
    const afterAll = await mailsTo(tag);
    expect(countByRecipient(afterAll)).toEqual({
      ...expected,
      [rFields.partnerContact.email]: expected[rFields.partnerContact.email] + 2,
      [wFields.partnerContact.email]: expected[wFields.partnerContact.email] + 1,
    });
    expect(duplicateMessageIds(afterAll)).toEqual([]);
  });

  it('SMTP down: nothing is sent while notifications cannot reach the server; once it can, the email arrives exactly once', async () => {
    const failedBefore = await metricValue(system.urls.notifications, 'cpor_notifications_failed_total', { template: 'claim-submitted' });
    await system.stopService('notifications');
    await system.startService('notifications', { SMTP_PORT: String(await closedPort()) });

    const fields = claimFields(`${tag}-outage`);
    const claim: Claim = await driver.submitted(fields);
    const address = fields.partnerContact.email;
    // The delivery was attempted and failed (it stays queued)...
    await waitFor(async () => (await metricValue(system.urls.notifications, 'cpor_notifications_failed_total', { template: 'claim-submitted' })) > failedBefore, {
      message: 'a failed SMTP attempt',
    });
    // ...and nothing reached the mailbox, even after several retries.
    await waitFor(async () => (await metricValue(system.urls.notifications, 'cpor_notifications_failed_total', { template: 'claim-submitted' })) >= failedBefore + 3, {
      message: 'three failed SMTP attempts',
    });
    expect(await mailsTo(address)).toEqual([]);

    // SMTP reachable again (notifications restarted with the right port): the queued email goes out.
    await system.stopService('notifications');
    await system.startService('notifications');
    const mail = await waitForMail(address, `CPOR claim ${claim.id} for ${fields.customer.name} received`);
    expect(mail.to).toEqual([address]);
    // Exactly once: a later email to the same partner is a barrier for any second copy.
    await driver.review(claim.id, 'start');
    await waitForMail(address, `Review started: CPOR claim ${claim.id}`);
    const mails = await mailsTo(address);
    expect(mails.map((m) => m.subject).sort()).toEqual(
      [`CPOR claim ${claim.id} for ${fields.customer.name} received`, `Review started: CPOR claim ${claim.id} for ${fields.customer.name}`].sort(),
    );
    expect(duplicateMessageIds(mails)).toEqual([]);
  });

  it('R7, R13: consent and eligibility are down when the window ends; the window closes and the claim is assessed once when they are back', async () => {
    const fields = claimFields(`${tag}-down`);
    const approved = await driver.approved(fields);
    const window = await driver.waitForConsentRequested(approved.id);
    await waitForMail(fields.customerContact.email, 'Partner of record association');
    await system.stopService('consent');
    await system.stopService('eligibility');
    system.clock.advance(Date.parse(window.consent.deadline) - system.clock.now().getTime() + HOUR_MS);
    expect((await driver.claim(approved.id)).consent.elapsedAt).toBeUndefined();

    // Consent back: its poller closes the window; the partner hears of it; nothing is assessed without eligibility.
    await system.startService('consent');
    await driver.waitForHistoryAction(approved.id, 'elapseConsent');
    await waitForMail(fields.partnerContact.email, 'sent to eligibility assessment');
    expect(kafka.on(TOPICS.claimEligibility).filter((r) => r.key === approved.id)).toHaveLength(0);

    // Eligibility back: it reads the event it missed and assesses once.
    await system.startService('eligibility');
    const actions = await driver.waitForHistoryAction(approved.id, 'recordEligibility');
    expect(actions.filter((action) => action === 'elapseConsent' || action === 'recordEligibility')).toEqual(['elapseConsent', 'recordEligibility']);
    await waitFor(() => kafka.on(TOPICS.claimEligibility).some((r) => r.key === approved.id), { message: 'assessment downstream' });
    await waitForNoLag(admin, 'eligibility', TOPICS.claimEvents);
    expect(distinctIds(kafka.on(TOPICS.claimEligibility).filter((r) => r.key === approved.id))).toHaveLength(1);
    expect(distinctIds(eventsOf(approved.id, EVENT_TYPES.consentPeriodElapsed))).toHaveLength(1);
  });

  it('poison records on the lifecycle topic are dead-lettered by consent, eligibility and notifications with their error; the claim behind them still flows', async () => {
    const fields = claimFields(`${tag}-poison`);
    const draft = await driver.draft(fields);
    const key = draft.id; // same key = same partition as the real claim's events that follow
    const headers = (type: string, id: string) => ({
      ce_specversion: '1.0',
      ce_id: id,
      ce_type: type,
      ce_source: 'urn:test:poison',
      ce_subject: key,
      ce_time: new Date().toISOString(),
      'content-type': 'application/json',
    });
    const ids = { undecodable: randomUUID(), approved: randomUUID(), elapsed: randomUUID(), consentRequested: randomUUID(), noClaim: randomUUID() };
    await kafka.send(TOPICS.claimEvents, { key, value: '{"claimId":', headers: headers(EVENT_TYPES.approved, ids.undecodable) });
    await kafka.send(TOPICS.claimEvents, { key, value: JSON.stringify({ claimId: key }), headers: headers(EVENT_TYPES.approved, ids.approved) });
    await kafka.send(TOPICS.claimEvents, { key, value: JSON.stringify({ claimId: key }), headers: headers(EVENT_TYPES.consentPeriodElapsed, ids.elapsed) });
    await kafka.send(TOPICS.claimEvents, {
      key,
      value: JSON.stringify({ claimId: key, deadline: new Date().toISOString(), claim: { id: key, statusEpoch: 1 } }),
      headers: headers(EVENT_TYPES.consentRequested, ids.consentRequested),
    });
    await kafka.send(TOPICS.claimEvents, { key, value: JSON.stringify({ claimId: key }), headers: headers(EVENT_TYPES.submitted, ids.noClaim) });

    // The real claim behind them, on the same partition, goes through consent and notifications.
    await http('POST', `${system.urls.intake}/v1/claims/${draft.id}/submit`, { token: await driver.partner() });
    await driver.review(draft.id, 'start');
    await driver.review(draft.id, 'approve', {});
    await driver.waitForConsentRequested(draft.id);
    await waitForMail(fields.customerContact.email, 'Partner of record association');

    const letters = async (group: string) =>
      waitFor(async () => {
        const all = await admin.listDeadLetters(TOPICS.claimEvents, group);
        const mine = all.filter((letter) => letter.key === key);
        return mine.length > 0 ? mine : undefined;
      }, { message: `dead letters of ${group}`, timeoutMs: 30_000 });
    const byId = (all: Array<{ id: string | null; attempts: string | null }>) => Object.fromEntries(all.map((l) => [l.id, l.attempts]));
    const consent = await letters('consent');
    expect(byId(consent)).toEqual({ [ids.undecodable]: '0', [ids.approved]: '1' });
    expect(consent.find((l) => l.id === ids.approved)!.error).toContain('has no usable claim state (missing claim.id');
    expect(consent.find((l) => l.id === ids.undecodable)!.error).toMatch(/undecodable/);
    const eligibility = await letters('eligibility');
    expect(byId(eligibility)).toEqual({ [ids.undecodable]: '0', [ids.elapsed]: '1' });
    expect(eligibility.find((l) => l.id === ids.elapsed)!.error).toContain('has no usable claim state');
    // Notifications: an event without the claim its emails need is neither retried nor silently skipped.
    const notifications = await waitFor(async () => {
      const mine = await letters('notifications');
      return mine.length >= 4 ? mine : undefined;
    }, { message: 'four notifications dead letters', timeoutMs: 30_000 });
    expect(byId(notifications)).toEqual({ [ids.undecodable]: '0', [ids.elapsed]: '1', [ids.consentRequested]: '1', [ids.noClaim]: '1' });
    expect(notifications.find((l) => l.id === ids.consentRequested)!.error).toMatch(/has no usable claim state \(missing .*claim\.customer\.name, claim\.partnerContact\.email, claim\.customerContact\.email, claim\.products\)/);
    expect(notifications.find((l) => l.id === ids.noClaim)!.error).toContain('has no usable claim state');
  });
});
