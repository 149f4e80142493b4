import { randomUUID } from 'node:crypto';
import { ASSESSMENT_TYPE, EVENT_TYPES, TOPICS } from '@cpor/contracts';
import { http } from '../support/http.js';
import { distinctEvents, TestKafkaClient } from '../support/kafka-client.js';
import {
  claimFields,
  consentLinkIn,
  duplicateMessageIds,
  emailDate,
  LifecycleDriver,
  mailsTo,
  waitForMail,
  waitForMailTo,
  type Claim,
} from '../support/lifecycle-driver.js';
import { startSystem, type RunningSystem } from '../support/system.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Customer consent (R7), the hand-off to eligibility (R13) and every email of the lifecycle, end to
 * end through the public interfaces only: HTTP (intake, review, consent), Kafka topics and Mailpit.
 * Every address carries this file's tag, so the shared mailbox is filtered, never emptied.
 */

const HOUR_MS = 60 * 60 * 1000;
const tag = randomUUID().slice(0, 8);
const REVIEWERS_EMAIL = `reviewers-${tag}@cpor-ops.example`;
const OPS_EMAIL = `ops-${tag}@cpor-ops.example`;

/** The consent page shows deadlines in UTC, e.g. "12 June 2020 at 14:00 UTC". */
function pageDate(iso: string): string {
  return `${new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso))} UTC`;
}


/** Flips one character in the middle of the token's signature. */
function tamperSignature(link: string): string {
  const dot = link.lastIndexOf('.');
  const at = dot + 10;
  const replacement = link[at] === 'A' ? 'B' : 'A';
  return link.slice(0, at) + replacement + link.slice(at + 1);
}

describe('customer consent, eligibility hand-off and every notification', () => {
  let system: RunningSystem;
  let kafka: TestKafkaClient;
  let driver: LifecycleDriver;
  /** Declined claims: once later windows have elapsed, they must still have no assessment. */
  const declinedClaims: Claim[] = [];

  beforeAll(async () => {
    system = await startSystem({ REVIEWERS_EMAIL, OPS_EMAIL });
    driver = new LifecycleDriver(system);
    kafka = new TestKafkaClient(system.topicPrefix);
    await kafka.connect();
    await kafka.collect([TOPICS.claimEligibility, TOPICS.claimEvents]);
  });

  afterAll(async () => {
    await kafka?.disconnect();
    await system?.stop();
  });

  /** Waits for the claim's consent request and the customer's email; returns the claim, the email and the link. */
  async function consentEmailFor(claim: Claim, fields: ReturnType<typeof claimFields>) {
    const withConsent = await driver.waitForConsentRequested(claim.id);
    const mail = await waitForMail(fields.customerContact.email, 'Partner of record association');
    return { claim: withConsent, mail, link: consentLinkIn(mail.text, system.urls.consent) };
  }

  const events = (claimId: string, type: string) => distinctEvents(kafka.on(TOPICS.claimEvents).filter((r) => r.key === claimId && r.headers.ce_type === type));

  it('R7, R8: the customer declines through the emailed link; the claim is rejected (customer decline) and the partner is told, with no dispute', async () => {
    const fields = claimFields(`${tag}-decline`, { products: ['microsoft-365', 'business-applications'], activity: 'deployment' });
    const approved = await driver.approved(fields);
    expect(approved.status).toBe('Approved');
    const { claim, mail, link } = await consentEmailFor(approved, fields);

    // R7: approved stays Approved while the customer may decline; the email names the link and the deadline.
    expect(claim.status).toBe('Approved');
    const deadline = claim.consent.deadline;
    expect(Date.parse(deadline)).toBeGreaterThan(system.clock.now().getTime());
    // Seven calendar days in the business time zone (a DST change moves it by an hour at most).
    expect(Math.abs(Date.parse(deadline) - Date.parse(claim.consent.requestedAt) - 7 * 24 * HOUR_MS)).toBeLessThanOrEqual(HOUR_MS);
    expect(mail.to).toEqual([fields.customerContact.email]);
    expect(mail.from).toBe('no-reply@cpor.local');
    expect(mail.subject).toBe(`Partner of record association for ${fields.customer.name}: decline before ${emailDate(deadline)} if you disagree`);
    expect(mail.text).toContain(`decline it before ${emailDate(deadline)} with this link:\n${link}`);
    expect(mail.text).toContain(`Partner MPN ID: ${fields.mpnId}`);
    expect(mail.text).toContain('Products: Microsoft 365, Business Applications');

    // GET: the claim summary and a decline button; changes nothing.
    const page = await http('GET', link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    for (const shown of [
      fields.mpnId,
      `${fields.partnerContact.name} &lt;${fields.partnerContact.email}&gt;`,
      fields.customer.name,
      'Microsoft 365, Business Applications',
      'Exchange Online',
      'Deployment',
      pageDate(deadline),
    ]) {
      expect(page.text).toContain(shown);
    }
    expect(page.text).toMatch(/<form method="post">\s*<button type="submit">Decline this association<\/button>/);
    expect((await driver.claim(claim.id)).version).toBe(claim.version);

    // POST: declined. The claim is Rejected with reason customer-decline, by the customer.
    const declined = await http('POST', link);
    expect(declined.status).toBe(200);
    expect(declined.headers.get('referrer-policy')).toBe('no-referrer');
    expect(declined.text).toContain('Association declined');
    const rejected = await driver.waitForClaim(claim.id, (c) => c.status === 'Rejected', 'rejected by the customer');
    expect(rejected.rejection).toMatchObject({ reason: 'customer-decline' });
    expect(rejected.consent.declinedAt).toBeDefined();
    const history = await driver.history(claim.id);
    expect(history.map((entry) => entry.action)).toEqual(['create', 'addPoe', 'submit', 'startReview', 'approve', 'requestConsent', 'declineConsent']);
    expect(history.at(-1)!.actor).toMatchObject({ kind: 'customer' });

    // R8: the partner's email names the customer decline and offers no dispute.
    const rejection = await waitForMail(fields.partnerContact.email, `Rejected: CPOR claim ${claim.id}`);
    expect(rejection.text).toContain('Reason: Customer decline: the customer denied consent to the association');
    expect(rejection.text).toContain('This rejection cannot be disputed. To associate with this customer again, create a new claim.');
    expect(rejection.text).not.toMatch(/how to dispute|dispute the rejection before/i);
    // ...and the partner API agrees: a customer decline cannot be disputed.
    const dispute = await http('POST', `${system.urls.intake}/v1/claims/${claim.id}/disputes`, {
      token: await driver.partner(),
      body: { justification: 'The customer signed the SOW' },
    });
    expect(dispute.status).toBeGreaterThanOrEqual(400);
    expect(dispute.status).toBeLessThan(500);
    expect((await driver.claim(claim.id)).version).toBe(rejected.version);

    // The partner heard of each step once; the customer got the consent request only.
    const partnerMails = await waitForMailTo(fields.partnerContact.email, (mails) => mails.length >= 4, 'four partner emails');
    const about = `CPOR claim ${claim.id} for ${fields.customer.name}`;
    expect(partnerMails.map((m) => m.subject).sort()).toEqual([`${about} received`, `Review started: ${about}`, `Approved: ${about}`, `Rejected: ${about}`].sort());
    expect(await waitForMailTo(fields.customerContact.email, (mails) => mails.length >= 1, 'consent request')).toHaveLength(1);
    declinedClaims.push(rejected);
  });

  it('R7: a used, a tampered and an expired link are refused with a clear page and status, and change nothing', async () => {
    // Used: declined once, then refused on GET and POST.
    const usedFields = claimFields(`${tag}-used`);
    const { claim: used, link: usedLink } = await consentEmailFor(await driver.approved(usedFields), usedFields);
    expect((await http('POST', usedLink)).status).toBe(200);
    const declined = await driver.waitForClaim(used.id, (c) => c.status === 'Rejected', 'declined');
    for (const method of ['GET', 'POST']) {
      const answer = await http(method, usedLink);
      expect(answer.status).toBe(410);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.text).toContain('This link has already been used');
      expect(answer.text).not.toContain('<form');
    }
    const afterUsed = await driver.claim(used.id);
    expect({ status: afterUsed.status, version: afterUsed.version }).toEqual({ status: 'Rejected', version: declined.version });
    declinedClaims.push(declined);

    // Tampered: a flipped signature character, a body that claims another epoch, a truncated token.
    const openFields = claimFields(`${tag}-tamper`);
    const { claim: open, link } = await consentEmailFor(await driver.approved(openFields), openFields);
    const [body, signature] = link.slice(link.lastIndexOf('/') + 1).split('.');
    const [claimId, epoch, expiresAt] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const otherEpoch = Buffer.from(JSON.stringify([claimId, epoch + 1, expiresAt])).toString('base64url');
    const base = `${system.urls.consent}/v1/consent/`;
    for (const bad of [tamperSignature(link), `${base}${otherEpoch}.${signature}`, `${base}${body}`, `${base}${body}.`]) {
      for (const method of ['GET', 'POST']) {
        const answer = await http(method, bad);
        expect({ bad, method, status: answer.status }).toEqual({ bad, method, status: 400 });
        expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
        expect(answer.text).toContain('This link is not valid');
      }
    }
    const afterTamper = await driver.claim(open.id);
    expect({ status: afterTamper.status, version: afterTamper.version, declinedAt: afterTamper.consent.declinedAt }).toEqual({
      status: 'Approved',
      version: open.version,
      declinedAt: undefined,
    });
    expect((await http('GET', link)).status).toBe(200); // the real link still works

    // Expired: the window has passed (and was closed by its deadline); the link no longer declines.
    system.clock.advance(Date.parse(open.consent.deadline) - system.clock.now().getTime() + HOUR_MS);
    await driver.waitForHistoryAction(open.id, 'recordEligibility');
    const settled = await driver.claim(open.id);
    for (const method of ['GET', 'POST']) {
      const answer = await http(method, link);
      expect(answer.status).toBe(410);
      expect(answer.text).toContain('This link has expired');
      expect(answer.text).not.toContain('<form');
    }
    const afterExpiry = await driver.claim(open.id);
    expect({ status: afterExpiry.status, version: afterExpiry.version, rejection: afterExpiry.rejection }).toEqual({
      status: 'Approved',
      version: settled.version,
      rejection: undefined,
    });
  });

  it('R7: the consent page shows what the partner typed as text, and a double-clicked decline rejects the claim once', async () => {
    const fields = claimFields(`${tag}-double`, {
      customer: { tenantId: randomUUID(), name: `Northwind <b onmouseover="x()">R&D</b> ${tag}`, domain: 'northwind.example' },
      partnerContact: { name: `Pat "<i>" O'Partner`, email: `partner-${tag}-double@fabrikam.example` },
    });
    const { claim, link } = await consentEmailFor(await driver.approved(fields), fields);
    const page = await http('GET', link);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Northwind &lt;b onmouseover=&quot;x()&quot;&gt;R&amp;D&lt;/b&gt; ${tag}`);
    expect(page.text).toContain('Pat &quot;&lt;i&gt;&quot; O&#39;Partner');
    expect(page.text).not.toContain('<b onmouseover');
    expect(page.text).not.toContain('<i>');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");

    // Three POSTs at once (a double click, a retrying client): one decline.
    const answers = await Promise.all([1, 2, 3].map(() => http('POST', link)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses).toContain(200);
    for (const status of statuses) expect([200, 410]).toContain(status);
    const rejected = await driver.waitForClaim(claim.id, (c) => c.status === 'Rejected', 'declined');
    expect(rejected.version).toBe(claim.version + 1);
    expect((await driver.historyActions(claim.id)).filter((action) => action === 'declineConsent')).toHaveLength(1);
    expect(distinctEvents(kafka.on(TOPICS.claimEvents).filter((r) => r.key === claim.id && r.headers.ce_type === EVENT_TYPES.rejected)).length).toBeLessThanOrEqual(1);
    await waitForMail(fields.partnerContact.email, `Rejected: CPOR claim ${claim.id}`);
    expect((await http('POST', link)).status).toBe(410);
    declinedClaims.push(rejected);
  });

  it("R7: the partner organisation's name comes from the creating user's token, stays on the claim, and the consent email and page show it; without it they say 'A partner'", async () => {
    // The same organisation and user: one token carries `partnerName`, the other does not.
    const named = new LifecycleDriver(system, driver.partnerId, 'Contoso Consulting');
    const namedFields = claimFields(`${tag}-named`);
    const plainFields = claimFields(`${tag}-plain`);
    const [namedClaim, plainClaim] = await Promise.all([named.approved(namedFields), driver.approved(plainFields)]);

    // Read back with the other token: the name is the creator's, kept on the claim, not the reader's.
    expect((await driver.claim(namedClaim.id)).partnerName).toBe('Contoso Consulting');
    expect(await named.claim(plainClaim.id)).not.toHaveProperty('partnerName');

    const withName = await consentEmailFor(namedClaim, namedFields);
    expect(withName.mail.text).toContain(`The partner Contoso Consulting has claimed to be the partner of record for ${namedFields.customer.name}`);
    expect((await http('GET', withName.link)).text).toContain('<dt>Partner</dt><dd>Contoso Consulting</dd>');

    const withoutName = await consentEmailFor(plainClaim, plainFields);
    expect(withoutName.mail.text).toContain(`A partner has claimed to be the partner of record for ${plainFields.customer.name}`);
    expect((await http('GET', withoutName.link)).text).not.toContain('<dt>Partner</dt>');
  });

  it('R7, R13: after the window the claim is assessed exactly once, per product with reasons (opt-out and a non-GUID id are not eligible), recorded and announced', async () => {
    const cases = [
      {
        name: 'mixed',
        fields: claimFields(`${tag}-mixed`, { products: ['microsoft-365', 'business-applications'], activity: 'pre-sales' }),
        eligible: true,
        idValid: true,
        results: [
          { product: 'microsoft-365', program: 'OSU', eligible: false, reasons: ['activity-not-eligible-for-program'] },
          { product: 'business-applications', program: 'OSA', eligible: true, reasons: [] },
        ],
      },
      {
        name: 'opt-out',
        fields: claimFields(`${tag}-optout`, { products: ['microsoft-365', 'business-applications'], activity: 'deployment', incentivesOptOut: true }),
        eligible: false,
        idValid: true,
        results: [
          { product: 'microsoft-365', program: 'OSU', eligible: false, reasons: ['partner-opted-out-of-incentives'] },
          { product: 'business-applications', program: 'OSA', eligible: false, reasons: ['partner-opted-out-of-incentives'] },
        ],
      },
      {
        name: 'bad-id',
        fields: claimFields(`${tag}-badid`, { activity: 'managed-services', subscriptionOrTenantId: 'SUB-0042-not-a-guid' }),
        eligible: false,
        idValid: false,
        results: [{ product: 'microsoft-365', program: 'OSU', eligible: false, reasons: ['invalid-subscription-or-tenant-id'] }],
      },
    ];
    const claims: Claim[] = [];
    for (const c of cases) claims.push(await driver.approved(c.fields));
    const windows = await Promise.all(claims.map((claim) => driver.waitForConsentRequested(claim.id)));
    const lastDeadline = Math.max(...windows.map((claim) => Date.parse(claim.consent.deadline)));
    system.clock.advance(lastDeadline - system.clock.now().getTime() + HOUR_MS);

    for (const [i, c] of cases.entries()) {
      const claim = windows[i];
      const record = await waitFor(() => kafka.on(TOPICS.claimEligibility).find((r) => r.key === claim.id), {
        message: `${c.name}: assessment on ${TOPICS.claimEligibility}`,
        timeoutMs: 30_000,
      });
      const assessment = record.json();
      expect(record.headers).toMatchObject({ ce_type: ASSESSMENT_TYPE, ce_id: assessment.assessmentId, ce_subject: claim.id, ce_source: 'cpor/eligibility' });
      expect(assessment).toMatchObject({
        claimId: claim.id,
        partnerId: driver.partnerId,
        mpnId: c.fields.mpnId,
        customerTenantId: c.fields.customer.tenantId,
        subscriptionOrTenantId: c.fields.subscriptionOrTenantId,
        subscriptionOrTenantIdValid: c.idValid,
        activity: c.fields.activity,
        policyId: 'cpor-2020-06',
        rulesVersion: 'cpor-eligibility-2020-06',
        eligible: c.eligible,
        approvalEpoch: claim.statusEpoch,
        consentDeadline: claim.consent.deadline,
        approvedAt: claim.approvedAt,
      });
      expect(assessment.results).toEqual(c.results);

      // The claim records it (and stays Approved); its history lists the window's end and the assessment.
      const actions = await driver.waitForHistoryAction(claim.id, 'recordEligibility');
      expect(actions).toEqual(['create', 'addPoe', 'submit', 'startReview', 'approve', 'requestConsent', 'elapseConsent', 'recordEligibility']);
      const recorded = await driver.claim(claim.id);
      expect(recorded.status).toBe('Approved');
      expect(recorded.eligibility).toMatchObject({ assessmentId: assessment.assessmentId, eligible: c.eligible });

      // The partner is told the claim went to eligibility assessment, with the date the window ended.
      const mail = await waitForMail(c.fields.partnerContact.email, 'sent to eligibility assessment');
      expect(mail.subject).toBe(`CPOR claim ${claim.id} for ${c.fields.customer.name} sent to eligibility assessment`);
      expect(mail.text).toContain(`ended on ${emailDate(claim.consent.deadline)} without the customer declining`);
    }

    // Exactly one: one assessment record per claim downstream, one lifecycle event each step.
    for (const claim of windows) {
      expect(distinctEvents(kafka.on(TOPICS.claimEligibility).filter((r) => r.key === claim.id))).toHaveLength(1);
      expect(events(claim.id, EVENT_TYPES.consentPeriodElapsed)).toHaveLength(1);
      expect(events(claim.id, EVENT_TYPES.eligibilityAssessed)).toHaveLength(1);
      expect(events(claim.id, EVENT_TYPES.consentRequested)).toHaveLength(1);
    }
  });

  it('R3, R5, R7, R8, R11: every lifecycle email goes to the right recipient with its key content', async () => {
    const partner = await driver.partner();

    // L: submitted, started, a reviewer comment (and a partner comment, which mails nothing), approved.
    const lFields = claimFields(`${tag}-life`, { products: ['business-applications'], activity: 'pre-sales' });
    const l = await driver.underReview(lFields);
    await driver.review(l.id, 'comments', { text: 'Could you add the signed acceptance letter as well?' });
    expect((await http('POST', `${system.urls.intake}/v1/claims/${l.id}/comments`, { token: partner, body: { text: 'Added it, thanks' } })).status).toBe(200);
    await driver.review(l.id, 'approve', { comment: 'Acceptance letter is signed' });
    const lApproved = await driver.waitForConsentRequested(l.id);

    // I: an info request with two reasons (R5).
    const iFields = claimFields(`${tag}-info`);
    const i = await driver.underReview(iFields);
    await driver.review(i.id, 'request-info', {
      reasons: ['missing-customer-acknowledgment', 'missing-or-old-dates'],
      comment: 'The statement of work is not signed by the customer.',
    });
    const iPar = await driver.waitForClaim(i.id, (c) => c.status === 'PartnerActionRequired', 'partner action required');

    // R: rejected by the reviewer (R8).
    const rFields = claimFields(`${tag}-reject`);
    const r = await driver.underReview(rFields);
    await driver.review(r.id, 'reject', { reason: 'insufficient-poe', comment: 'The documents show no delivered work.' });
    const rRejected = await driver.waitForClaim(r.id, (c) => c.status === 'Rejected', 'rejected');

    // S: submitted and never picked up (R3 breach once its review-start SLA passes).
    const sFields = claimFields(`${tag}-sla`);
    const s = await driver.submitted(sFields);
    const queued = await driver.queueItem(s.id);
    expect(queued.sla?.sla).toBe('review-start');
    const slaDue = queued.sla!.dueAt;
    // U: under review and never decided (R4 breach once its decision SLA passes).
    const uFields = claimFields(`${tag}-undecided`);
    const u = await driver.underReview(uFields);
    const undecided = await driver.queueItem(u.id);
    expect(undecided.sla?.sla).toBe('decision');
    const decisionDue = undecided.sla!.dueAt;

    // --- Emails before any deadline passes.
    const lPartner = lFields.partnerContact.email;
    const submittedMail = await waitForMail(lPartner, `CPOR claim ${l.id} for ${lFields.customer.name} received`);
    expect(submittedMail.text).toContain('was submitted for review');
    expect(submittedMail.text).toMatch(/a PoE reviewer should start reviewing it by \w+day, /);
    expect(submittedMail.text).toContain(`Partner MPN ID: ${lFields.mpnId}`);
    expect(submittedMail.text).toContain(`${system.urls.intake}/v1/claims/${l.id}`);
    const startedMail = await waitForMail(lPartner, `Review started: CPOR claim ${l.id}`);
    expect(startedMail.text).toMatch(/A decision is expected by \w+day, /);
    const commentMail = await waitForMail(lPartner, `New reviewer comment on CPOR claim ${l.id}`);
    expect(commentMail.text).toContain('Could you add the signed acceptance letter as well?');
    const approvedMail = await waitForMail(lPartner, `Approved: CPOR claim ${l.id} for ${lFields.customer.name}`);
    expect(approvedMail.text).toContain(`the customer may decline it until ${emailDate(lApproved.consent.deadline)}`);
    expect(approvedMail.text).toContain('Approval alone does not make the claim eligible for incentives');
    const consentMail = await waitForMail(lFields.customerContact.email, `decline before ${emailDate(lApproved.consent.deadline)}`);
    expect(consentMail.to).toEqual([lFields.customerContact.email]);
    expect(consentMail.text).toContain(`Hello ${lFields.customerContact.name},`);
    expect(consentMailLink(consentMail.text)).toMatch(new RegExp(`^${system.urls.consent}/v1/consent/`));

    const infoMail = await waitForMail(iFields.partnerContact.email, `Action required: CPOR claim ${i.id}`);
    expect(infoMail.text).toContain(
      'What is missing:\n' +
        '- Missing customer acknowledgment: the customer signature is not on the PoE\n' +
        '- Missing or old dates: dates on the PoE are missing or old in relation to the claim',
    );
    expect(infoMail.text).toContain('The statement of work is not signed by the customer.');
    expect(infoMail.text).toContain(`resubmit it before ${emailDate(iPar.infoRequest.dueAt)}`);
    expect(infoMail.text).toContain('it will be rejected for no partner response');

    const rejectMail = await waitForMail(rFields.partnerContact.email, `Rejected: CPOR claim ${r.id}`);
    expect(rejectMail.text).toContain('Reason: Insufficient proof of execution');
    expect(rejectMail.text).toContain('Comment: The documents show no delivered work.');
    expect(rejectMail.text).toContain(`How to dispute: if you disagree, open the claim at the link above and dispute the rejection before ${emailDate(rRejected.rejection.disputeUntil)}`);

    // --- The consent window and the review-start SLA pass.
    const until = Math.max(Date.parse(lApproved.consent.deadline), Date.parse(slaDue), Date.parse(decisionDue), Date.parse(iPar.infoRequest.dueAt));
    system.clock.advance(until - system.clock.now().getTime() + HOUR_MS);

    const eligibilityMail = await waitForMail(lPartner, `CPOR claim ${l.id} for ${lFields.customer.name} sent to eligibility assessment`);
    expect(eligibilityMail.text).toContain(`ended on ${emailDate(lApproved.consent.deadline)}`);
    for (const [address, name] of [
      [REVIEWERS_EMAIL, 'PoE reviewers'],
      [OPS_EMAIL, 'CPOR operations'],
    ]) {
      const sla = await waitForMail(address, `SLA breached: CPOR claim ${s.id} (${sFields.customer.name})`);
      expect(sla.to).toEqual([address]);
      expect(sla.text).toContain(`Hello ${name},`);
      expect(sla.text).toContain('SLA: Review start (R3): the review did not start in time');
      expect(sla.text).toContain(`Was due: ${emailDate(slaDue)}`);
      expect(sla.text).toContain('Current status: Submitted');
      const decision = await waitForMail(address, `SLA breached: CPOR claim ${u.id} (${uFields.customer.name})`);
      expect(decision.text).toContain('SLA: Review decision (R4): no decision was made in time');
      expect(decision.text).toContain(`Was due: ${emailDate(decisionDue)}`);
      expect(decision.text).toContain('Current status: Under review');
    }
    // R6: the info request was not answered in time either, so I is rejected for no partner response (disputable).
    const noResponse = await waitForMail(iFields.partnerContact.email, `Rejected: CPOR claim ${i.id}`);
    expect(noResponse.text).toContain('Reason: No partner response within the time allowed');
    expect(noResponse.text).toContain('How to dispute');

    // --- Exactly these emails, once each (subjects per recipient).
    const subjects = async (address: string, expected: string[]) => {
      const mails = await waitForMailTo(address, (all) => all.length >= expected.length, `${expected.length} emails`);
      expect({ address, subjects: mails.map((m) => m.subject).sort() }).toEqual({ address, subjects: [...expected].sort() });
    };
    const partnerMails = (claimId: string, customer: string) => ({
      submitted: `CPOR claim ${claimId} for ${customer} received`,
      started: `Review started: CPOR claim ${claimId} for ${customer}`,
      comment: `New reviewer comment on CPOR claim ${claimId} for ${customer}`,
      info: `Action required: CPOR claim ${claimId} for ${customer} needs more information`,
      approved: `Approved: CPOR claim ${claimId} for ${customer}`,
      rejected: `Rejected: CPOR claim ${claimId} for ${customer}`,
      eligibility: `CPOR claim ${claimId} for ${customer} sent to eligibility assessment`,
    });
    const lp = partnerMails(l.id, lFields.customer.name);
    await subjects(lPartner, [lp.submitted, lp.started, lp.comment, lp.approved, lp.eligibility]);
    await subjects(lFields.customerContact.email, [consentMail.subject]);
    const ip = partnerMails(i.id, iFields.customer.name);
    await subjects(iFields.partnerContact.email, [ip.submitted, ip.started, ip.info, ip.rejected]);
    const rp = partnerMails(r.id, rFields.customer.name);
    await subjects(rFields.partnerContact.email, [rp.submitted, rp.started, rp.rejected]);
    await subjects(sFields.partnerContact.email, [partnerMails(s.id, sFields.customer.name).submitted]);
    await subjects(sFields.customerContact.email, []);
    const up = partnerMails(u.id, uFields.customer.name);
    await subjects(uFields.partnerContact.email, [up.submitted, up.started]);
    const breaches = [`SLA breached: CPOR claim ${s.id} (${sFields.customer.name})`, `SLA breached: CPOR claim ${u.id} (${uFields.customer.name})`];
    await subjects(REVIEWERS_EMAIL, breaches);
    await subjects(OPS_EMAIL, breaches);
  });

  it('R8, R9: a withdrawal and the dispute emails (received, sustained, overturned) reach the partner with their dates', async () => {
    const partner = await driver.partner();
    // Withdrawn at the partner's request: final, not disputable.
    const wFields = claimFields(`${tag}-withdrawn`);
    const w = await driver.submitted(wFields);
    const withdrawn = await http('POST', `${system.urls.intake}/v1/claims/${w.id}/withdraw`, { token: partner, body: { subReason: 'wrong-mpn', comment: 'Typo in the MPN ID' } });
    expect(withdrawn.status).toBe(200);
    const final = await waitForMail(wFields.partnerContact.email, `Rejected: CPOR claim ${w.id}`);
    expect(final.text).toContain('Reason: Partner request: the partner asked to have the association rejected\nThe claim was created using an incorrect MPN ID');
    expect(final.text).toContain('This rejection cannot be disputed.');
    expect(final.text).not.toContain('How to dispute');

    // Rejected, disputed, sustained; and rejected, disputed, overturned.
    const disputed = async (name: string) => {
      const fields = claimFields(`${tag}-${name}`);
      const claim = await driver.underReview(fields);
      await driver.review(claim.id, 'reject', { reason: 'missing-products', comment: 'Dynamics 365 is not in the PoE.' });
      const rejected = await driver.waitForClaim(claim.id, (c) => c.status === 'Rejected', 'rejected');
      const response = await http('POST', `${system.urls.intake}/v1/claims/${claim.id}/disputes`, { token: partner, body: { justification: 'Page 3 lists Dynamics 365.' } });
      expect(response.status).toBe(200);
      const open = response.body.disputes.at(-1);
      const received = await waitForMail(fields.partnerContact.email, `Dispute received: CPOR claim ${claim.id}`);
      expect(received.text).toContain(`We received your dispute ${open.id} of the rejection`);
      expect(received.text).toContain(`A PoE reviewer should answer by ${emailDate(open.dueAt)}.`);
      return { fields, claim: rejected, dispute: open };
    };
    const x = await disputed('sustained');
    await driver.review(x.claim.id, 'dispute-decision', { decision: 'sustained', comment: 'Page 3 is not signed by the customer.' });
    const sustained = await waitForMail(x.fields.partnerContact.email, `Dispute declined: CPOR claim ${x.claim.id} for ${x.fields.customer.name} stays rejected`);
    expect(sustained.text).toContain(`decided on your dispute ${x.dispute.id}`);
    expect(sustained.text).toContain('Page 3 is not signed by the customer.');
    expect(sustained.text).toContain(`you can open another dispute before ${emailDate(x.claim.rejection.disputeUntil)}`);

    const y = await disputed('overturned');
    await driver.review(y.claim.id, 'dispute-decision', { decision: 'overturned', comment: 'Page 3 settles it.' });
    const again = await driver.queueItem(y.claim.id);
    expect(again.sla?.sla).toBe('decision');
    const overturned = await waitForMail(y.fields.partnerContact.email, `Dispute accepted: CPOR claim ${y.claim.id} for ${y.fields.customer.name} is under review again`);
    expect(overturned.text).toContain(`accepted your dispute ${y.dispute.id}`);
    expect(overturned.text).toContain('Page 3 settles it.');
    expect(overturned.text).toContain(`A new decision is expected by ${emailDate(again.sla!.dueAt)}.`);

    for (const [fields, claim, last] of [
      [x.fields, x.claim, `Dispute declined: CPOR claim ${x.claim.id} for ${x.fields.customer.name} stays rejected`],
      [y.fields, y.claim, `Dispute accepted: CPOR claim ${y.claim.id} for ${y.fields.customer.name} is under review again`],
    ] as const) {
      const about = `CPOR claim ${claim.id} for ${fields.customer.name}`;
      const mails = await waitForMailTo(fields.partnerContact.email, (all) => all.length >= 5, 'five emails');
      expect(mails.map((m) => m.subject).sort()).toEqual([`${about} received`, `Review started: ${about}`, `Rejected: ${about}`, `Dispute received: ${about}`, last].sort());
    }
  });

  it('R7: a declined claim is never assessed, even after its window would have ended; no email of this run went out twice', async () => {
    // The tests above moved the clock weeks past every declined claim's deadline, and later windows were closed since.
    expect(declinedClaims).toHaveLength(3);
    for (const declined of declinedClaims) {
      expect(Date.parse(declined.consent.deadline)).toBeLessThan(system.clock.now().getTime());
      const now = await driver.claim(declined.id);
      expect({ status: now.status, version: now.version, eligibility: now.eligibility }).toEqual({ status: 'Rejected', version: declined.version, eligibility: undefined });
      expect(events(declined.id, EVENT_TYPES.consentPeriodElapsed)).toHaveLength(0);
      expect(kafka.on(TOPICS.claimEligibility).filter((r) => r.key === declined.id)).toHaveLength(0);
    }
    const mails = await mailsTo(tag);
    expect(mails.length).toBeGreaterThan(20);
    expect(duplicateMessageIds(mails)).toEqual([]);
  });
});

function consentMailLink(text: string): string {
  return /https?:\/\/\S+\/v1\/consent\/\S+/.exec(text)?.[0] ?? '';
}
