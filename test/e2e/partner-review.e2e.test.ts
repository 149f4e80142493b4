import { createHash, randomUUID } from 'node:crypto';
import { REQUEST_TYPES, TOPICS } from '@cpor/contracts';
import { http } from '../support/http.js';
import { distinctEvents, TestKafkaClient, type ReceivedRecord } from '../support/kafka-client.js';
import { startSystem, type RunningSystem } from '../support/system.js';
import { waitFor } from '../support/wait-for.js';
import { docx, docxBomb } from '../support/zip.js';
import { DOCX_MAX_UNCOMPRESSED_BYTES } from '../../apps/intake/src/poe/docx-package.js';

/**
 * Partner and reviewer sides end to end: the partner API (intake) and the reviewer API (review)
 * over HTTP, upstream commands over Kafka, on the real servers. One system per file; every test
 * uses its own partner organisation, so tests never see each other's claims.
 */

/** A small but real PDF document. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n' +
    'trailer\n<< /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

const DAY_MS = 24 * 60 * 60 * 1000;

interface Upload {
  name: string;
  data: Buffer;
  type?: string;
}

function claimFields(tag: string) {
  return {
    mpnId: '1234567',
    customer: { tenantId: randomUUID(), name: `Contoso ${tag}`, domain: 'contoso.example' },
    customerContact: { name: 'Casey Customer', email: `customer-${tag}@contoso.example` },
    partnerContact: { name: 'Pat Partner', email: `partner-${tag}@fabrikam.example` },
    products: ['microsoft-365'],
    workloads: ['Exchange Online'],
    activity: 'deployment',
    subscriptionOrTenantId: randomUUID(),
  };
}

function form(files: Upload[], fields: Record<string, string> = {}): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  for (const file of files) data.append('files', new Blob([new Uint8Array(file.data)], { type: file.type ?? 'application/pdf' }), file.name);
  return data;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}


interface HistoryEntry {
  action: string;
  [field: string]: any;
}

function actions(history: { entries: HistoryEntry[] }): string[] {
  return history.entries.map((entry) => entry.action);
}

describe('partner and reviewer sides over HTTP and Kafka', () => {
  let system: RunningSystem;
  let kafka: TestKafkaClient;
  let reviewer: string;
  let intake: string;
  let review: string;
  let counter = 0;

  /** A fresh partner organisation and a token for one of its admins. */
  async function newPartner(role = 'incentives-admin') {
    const partnerId = `p${++counter}-${system.runId}`;
    const token = await system.token({ sub: `admin-${partnerId}`, roles: [role], partnerId });
    return { partnerId, token, tag: `${system.runId}-${counter}` };
  }

  async function createClaim(token: string, tag: string) {
    const created = await http('POST', `${intake}/v1/claims`, { token, body: claimFields(tag) });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function uploadPoe(token: string, claimId: string, files: Upload[] = [{ name: 'signed-sow.pdf', data: PDF }]) {
    return http('POST', `${intake}/v1/claims/${claimId}/poe`, { token, form: form(files) });
  }

  async function submittedClaim(token: string, tag: string) {
    const claim = await createClaim(token, tag);
    expect((await uploadPoe(token, claim.id)).status).toBe(200);
    const submitted = await http('POST', `${intake}/v1/claims/${claim.id}/submit`, { token });
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('Submitted');
    return submitted.body;
  }

  async function underReview(token: string, tag: string) {
    const claim = await submittedClaim(token, tag);
    const started = await http('POST', `${review}/v1/reviews/${claim.id}/start`, { token: reviewer });
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('UnderReview');
    return started.body;
  }

  async function history(token: string, claimId: string) {
    const response = await http('GET', `${intake}/v1/claims/${claimId}/history`, { token });
    expect(response.status).toBe(200);
    return response.body as { claimId: string; version: number; entries: HistoryEntry[] };
  }

  function eventsOf(claimId: string): ReceivedRecord[] {
    return kafka.on(TOPICS.claimEvents).filter((record) => record.key === claimId);
  }

  beforeAll(async () => {
    system = await startSystem();
    intake = system.urls.intake;
    review = system.urls.review;
    kafka = new TestKafkaClient(system.topicPrefix);
    await kafka.connect();
    await kafka.collect([TOPICS.claimEvents, TOPICS.claimRequestsRejected]);
    reviewer = await system.token({ sub: 'reviewer-ada', roles: ['poe-reviewer'] });
  });

  afterAll(async () => {
    await kafka?.disconnect();
    await system?.stop();
  });

  it('R1, R2, R12: partner creates, uploads a PDF, submits; reviewer starts and approves; history lists every action in order', async () => {
    const { partnerId, token, tag } = await newPartner('billing-admin');
    const fields = claimFields(tag);
    const created = await http('POST', `${intake}/v1/claims`, { token, body: fields });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'Editing',
      partnerId,
      policyId: 'cpor-2020-06',
      mpnId: fields.mpnId,
      customer: fields.customer,
      customerContact: fields.customerContact,
      partnerContact: fields.partnerContact,
      products: fields.products,
      activity: fields.activity,
      subscriptionOrTenantId: fields.subscriptionOrTenantId,
      poe: [],
      version: 1,
    });
    const claimId: string = created.body.id;

    const uploaded = await uploadPoe(token, claimId, [{ name: 'signed-sow.pdf', data: PDF }]);
    expect(uploaded.status).toBe(200);
    expect(uploaded.body.status).toBe('Editing');
    expect(uploaded.body.poe).toEqual([
      expect.objectContaining({ fileName: 'signed-sow.pdf', contentType: 'application/pdf', size: PDF.length, sha256: sha256(PDF), addedBy: `admin-${partnerId}` }),
    ]);

    const submitted = await http('POST', `${intake}/v1/claims/${claimId}/submit`, { token });
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('Submitted');

    const started = await http('POST', `${review}/v1/reviews/${claimId}/start`, { token: reviewer });
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('UnderReview');
    const approved = await http('POST', `${review}/v1/reviews/${claimId}/approve`, { token: reviewer, body: { comment: 'Signed SOW covers Microsoft 365' } });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('Approved');

    const view = await http('GET', `${intake}/v1/claims/${claimId}`, { token });
    expect(view.status).toBe(200);
    expect(view.body.status).toBe('Approved');

    // The consent service follows the approval on its own; wait for it so the history is complete.
    const trail = await waitFor(async () => {
      const h = await history(token, claimId);
      return actions(h).includes('requestConsent') ? h : undefined;
    }, { message: 'consent requested after approval' });
    expect(actions(trail)).toEqual(['create', 'addPoe', 'submit', 'startReview', 'approve', 'requestConsent']);
    expect(trail.entries.map((e) => [e.fromStatus, e.toStatus])).toEqual([
      [null, 'Editing'],
      ['Editing', 'Editing'],
      ['Editing', 'Submitted'],
      ['Submitted', 'UnderReview'],
      ['UnderReview', 'Approved'],
      ['Approved', 'Approved'],
    ]);
    expect(trail.entries.map((e) => e.actor)).toEqual([
      { kind: 'partner', id: `admin-${partnerId}` },
      { kind: 'partner', id: `admin-${partnerId}` },
      { kind: 'partner', id: `admin-${partnerId}` },
      { kind: 'reviewer', id: 'reviewer-ada' },
      { kind: 'reviewer', id: 'reviewer-ada' },
      { kind: 'system', id: expect.any(String) },
    ]);
    expect(trail.entries.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6]);
    const times = trail.entries.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    // The lifecycle topic carries the same steps in the same order (key = claim id).
    // Delivery is at-least-once: a record may repeat, always with its id and content unchanged.
    const types = await waitFor(() => {
      const seen = distinctEvents(eventsOf(claimId)).map((record) => record.headers.ce_type);
      return seen.length >= 6 ? seen : undefined;
    }, { message: 'lifecycle events of the claim' });
    expect(types).toEqual([
      'cpor.claim.created.v1',
      'cpor.claim.poe-added.v1',
      'cpor.claim.submitted.v1',
      'cpor.claim.review-started.v1',
      'cpor.claim.approved.v1',
      'cpor.claim.consent-requested.v1',
    ]);
  });

  it('R2: a PNG is accepted by its bytes; a file that is not PDF/PNG/JPEG/DOCX is refused with 400 naming it, and nothing of the upload is kept', async () => {
    const { token, tag } = await newPartner();
    const claim = await createClaim(token, tag);

    const png = await uploadPoe(token, claim.id, [{ name: 'signature.png', data: PNG, type: 'image/png' }]);
    expect(png.status).toBe(200);
    expect(png.body.poe).toEqual([expect.objectContaining({ fileName: 'signature.png', contentType: 'image/png' })]);

    // A text file dressed up as a PDF (name and declared type lie), sent together with a real PDF.
    const fake = Buffer.from('This is not a PDF, just some notes about the customer.\n');
    const refused = await uploadPoe(token, claim.id, [
      { name: 'real.pdf', data: PDF },
      { name: 'notes.pdf', data: fake, type: 'application/pdf' },
    ]);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid-command');
    expect(refused.body.errors).toEqual(['notes.pdf: only PDF, PNG, JPEG or DOCX files are accepted']);

    // An upload without any file.
    const empty = await http('POST', `${intake}/v1/claims/${claim.id}/poe`, { token, form: new FormData() });
    expect(empty.status).toBe(400);
    expect(empty.body.errors.join(' ')).toMatch(/at least one file/);

    // All or nothing: the real PDF of the refused upload was not added either.
    const after = await http('GET', `${intake}/v1/claims/${claim.id}`, { token });
    expect(after.body.poe).toHaveLength(1);
    expect(after.body.version).toBe(png.body.version);
  });

  it('R2: a DOCX is accepted only as a well-formed OOXML package under the size cap; the client name is kept only sanitised', async () => {
    const { token, tag } = await newPartner();
    const claim = await createClaim(token, tag);

    const accepted = await uploadPoe(token, claim.id, [{ name: '../../etc/passwd <SOW>.docx', data: docx(), type: 'text/plain' }]);
    expect(accepted.status).toBe(200);
    expect(accepted.body.poe).toEqual([
      expect.objectContaining({ fileName: 'passwd _SOW_.docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }),
    ]);

    // A 1 MB file that declares a 1 GiB word/document.xml.
    const bomb = await docxBomb(1024 * 1024 * 1024);
    const refused = await uploadPoe(token, claim.id, [{ name: 'bomb.docx', data: bomb }]);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([`bomb.docx: a DOCX may unpack to at most ${DOCX_MAX_UNCOMPRESSED_BYTES} bytes`]);
    expect((await http('GET', `${intake}/v1/claims/${claim.id}`, { token })).body.poe).toHaveLength(1);
  });

  it('R2: submit without PoE is refused with 409, the claim stays Editing', async () => {
    const { token, tag } = await newPartner();
    const claim = await createClaim(token, tag);
    const refused = await http('POST', `${intake}/v1/claims/${claim.id}/submit`, { token });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'invalid-state',
      currentStatus: 'Editing',
      action: 'submit',
      condition: 'poe-required',
    });
    expect(refused.body.detail).toMatch(/PoE/);
    const after = await http('GET', `${intake}/v1/claims/${claim.id}`, { token });
    expect(after.body).toMatchObject({ status: 'Editing', version: 1 });
  });

  it('R5, R6, R10: reviewer requests info, partner edits allowed fields and adds PoE, resubmits; reviewer approves', async () => {
    const { token, tag } = await newPartner('global-admin');
    const claim = await underReview(token, tag);

    const asked = await http('POST', `${review}/v1/reviews/${claim.id}/request-info`, {
      token: reviewer,
      body: { reasons: ['missing-customer-acknowledgment', 'missing-products'], comment: 'The SOW is not signed by the customer and does not list Business Applications' },
    });
    expect(asked.status).toBe(200);
    expect(asked.body.status).toBe('PartnerActionRequired');

    const view = await http('GET', `${intake}/v1/claims/${claim.id}`, { token });
    expect(view.body.status).toBe('PartnerActionRequired');
    expect(view.body.infoRequest).toMatchObject({
      reasons: ['missing-customer-acknowledgment', 'missing-products'],
      comment: 'The SOW is not signed by the customer and does not list Business Applications',
    });
    // R6: the partner has five business days (at least a week of calendar time).
    expect(Date.parse(view.body.infoRequest.dueAt) - Date.parse(view.body.infoRequest.requestedAt)).toBeGreaterThanOrEqual(7 * DAY_MS - 60 * 60 * 1000);

    const edited = await http('PATCH', `${intake}/v1/claims/${claim.id}`, {
      token,
      body: {
        products: ['microsoft-365', 'business-applications'],
        customerContact: { name: 'Casey Customer', email: `casey-${tag}@contoso.example`, phone: '+1 555 0100' },
      },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ status: 'PartnerActionRequired', products: ['microsoft-365', 'business-applications'] });
    expect(edited.body.customerContact.email).toBe(`casey-${tag}@contoso.example`);

    const added = await uploadPoe(token, claim.id, [{ name: 'signed-sow-v2.pdf', data: PDF }]);
    expect(added.status).toBe(200);
    expect(added.body.poe).toHaveLength(2);

    const resubmitted = await http('POST', `${intake}/v1/claims/${claim.id}/submit`, { token });
    expect(resubmitted.status).toBe(200);
    expect(resubmitted.body.status).toBe('Submitted');

    expect((await http('POST', `${review}/v1/reviews/${claim.id}/start`, { token: reviewer })).status).toBe(200);
    const approved = await http('POST', `${review}/v1/reviews/${claim.id}/approve`, { token: reviewer, body: {} });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('Approved');

    const h = await history(token, claim.id);
    expect(actions(h).slice(0, 10)).toEqual(['create', 'addPoe', 'submit', 'startReview', 'requestInfo', 'edit', 'addPoe', 'submit', 'startReview', 'approve']);
    const edit = h.entries.find((e) => e.action === 'edit')!;
    expect(edit.details).toMatchObject({
      changes: { products: ['microsoft-365', 'business-applications'] },
      previous: { products: ['microsoft-365'], customerContact: { email: `customer-${tag}@contoso.example` } },
    });
    const resubmission = h.entries.filter((e) => e.action === 'submit')[1];
    expect(resubmission).toMatchObject({ fromStatus: 'PartnerActionRequired', toStatus: 'Submitted', details: { resubmission: true } });
  });

  it('R10: an edit while UnderReview is refused with 409 naming the status and the allowed states; a field that is not editable is refused with 400 naming it', async () => {
    const { token, tag } = await newPartner();
    const submitted = await submittedClaim(token, tag);

    // Submitted is editable under cpor-2020-06.
    const okEdit = await http('PATCH', `${intake}/v1/claims/${submitted.id}`, { token, body: { mpnId: '7654321' } });
    expect(okEdit.status).toBe(200);
    expect(okEdit.body.mpnId).toBe('7654321');

    // Fields outside the editable set, and a bad value, are all listed at once.
    const notEditable = await http('PATCH', `${intake}/v1/claims/${submitted.id}`, {
      token,
      body: { activity: 'pre-sales', customer: { tenantId: randomUUID(), name: 'Other', domain: 'other.example' }, mpnId: 'abc' },
    });
    expect(notEditable.status).toBe(400);
    const problems: string = notEditable.body.errors.join('\n');
    expect(problems).toMatch(/activity cannot be edited in any status \(editable: mpnId, products, workloads, customerContact, partnerContact\)/);
    expect(problems).toMatch(/customer\b/);
    expect(problems).toMatch(/mpnId/);

    const nothing = await http('PATCH', `${intake}/v1/claims/${submitted.id}`, { token, body: {} });
    expect(nothing.status).toBe(400);
    expect(nothing.body.errors.join(' ')).toMatch(/at least one of mpnId/);

    expect((await http('POST', `${review}/v1/reviews/${submitted.id}/start`, { token: reviewer })).status).toBe(200);
    const refused = await http('PATCH', `${intake}/v1/claims/${submitted.id}`, { token, body: { mpnId: '1111111' } });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'invalid-state',
      currentStatus: 'UnderReview',
      allowedStates: ['Editing', 'Submitted', 'PartnerActionRequired'],
      action: 'edit',
    });
    expect(refused.body.detail).toContain('UnderReview');
    expect(refused.body.detail).toContain('Submitted');
    expect(refused.body.detail).toContain('PartnerActionRequired');

    // Added PoE counts as an edit (R10): refused while UnderReview as well.
    const poe = await uploadPoe(token, submitted.id);
    expect(poe.status).toBe(409);
    expect(poe.body).toMatchObject({ currentStatus: 'UnderReview', action: 'addPoe' });

    const after = await http('GET', `${intake}/v1/claims/${submitted.id}`, { token });
    expect(after.body).toMatchObject({ status: 'UnderReview', mpnId: '7654321' });
    expect(after.body.poe).toHaveLength(1);
  });

  it('R10, R12: a partner edit racing a review start with the same If-Match: exactly one wins, the other gets 412 (or 409 if the status moved on), the history has one order', async () => {
    const { token, tag } = await newPartner();
    const claim = await submittedClaim(token, tag);
    const version: number = claim.version;

    const [edit, start] = await Promise.all([
      http('PATCH', `${intake}/v1/claims/${claim.id}`, { token, body: { mpnId: '2222222' }, headers: { 'if-match': `"${version}"` } }),
      http('POST', `${review}/v1/reviews/${claim.id}/start`, { token: reviewer, headers: { 'if-match': `"${version}"` } }),
    ]);
    // The loser finds either a newer version than its If-Match (412) or, if it read the
    // winner's change first, a status that no longer allows its action (409).
    expect([edit.status, start.status].filter((status) => status === 200)).toHaveLength(1);
    const loser = edit.status === 200 ? start : edit;
    expect([[412, 'precondition-failed'], [409, 'invalid-state']]).toContainEqual([loser.status, loser.body.code]);

    const h = await history(token, claim.id);
    expect(h.version).toBe(version + 1);
    expect(actions(h)).toEqual(['create', 'addPoe', 'submit', edit.status === 200 ? 'edit' : 'startReview']);
    const after = await http('GET', `${intake}/v1/claims/${claim.id}`, { token });
    if (edit.status === 200) expect(after.body).toMatchObject({ status: 'Submitted', mpnId: '2222222' });
    else expect(after.body).toMatchObject({ status: 'UnderReview', mpnId: '1234567' });

    // A stale If-Match alone is a failed precondition (RFC 9110: 412), names the current version, and changes nothing.
    const stale = await http('PATCH', `${intake}/v1/claims/${claim.id}`, { token, body: { mpnId: '3333333' }, headers: { 'if-match': `"${version}"` } });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'precondition-failed', currentVersion: version + 1, expectedVersion: version });
    expect(stale.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('R10: an If-Match the API cannot read is refused with 400 on both APIs, never silently ignored', async () => {
    const { token, tag } = await newPartner();
    const claim = await submittedClaim(token, tag);
    for (const ifMatch of ['"abc"', '"3", "4"', '']) {
      const edit = await http('PATCH', `${intake}/v1/claims/${claim.id}`, { token, body: { mpnId: '4444444' }, headers: { 'if-match': ifMatch } });
      expect({ ifMatch, status: edit.status }).toEqual({ ifMatch, status: 400 });
      expect(edit.body.detail).toMatch(/If-Match/);
      const start = await http('POST', `${review}/v1/reviews/${claim.id}/start`, { token: reviewer, headers: { 'if-match': ifMatch } });
      expect({ ifMatch, status: start.status }).toEqual({ ifMatch, status: 400 });
    }
    expect((await http('GET', `${intake}/v1/claims/${claim.id}`, { token })).body).toMatchObject({ status: 'Submitted', mpnId: '1234567', version: claim.version });
    // The forms the API documents are read: "7", 7, W/"7", and * (any version).
    const quoted = await http('PATCH', `${intake}/v1/claims/${claim.id}`, { token, body: { mpnId: '5555555' }, headers: { 'if-match': `"${claim.version}"` } });
    expect(quoted.status).toBe(200);
    const bare = await http('PATCH', `${intake}/v1/claims/${claim.id}`, { token, body: { mpnId: '5555556' }, headers: { 'if-match': String(quoted.body.version) } });
    expect(bare.status).toBe(200);
    const weak = await http('PATCH', `${intake}/v1/claims/${claim.id}`, { token, body: { mpnId: '5555557' }, headers: { 'if-match': `W/"${bare.body.version}"` } });
    expect(weak.status).toBe(200);
    const any = await http('POST', `${review}/v1/reviews/${claim.id}/start`, { token: reviewer, headers: { 'if-match': '*' } });
    expect(any.status).toBe(200);
  });

  it('R10, R12: concurrent edits and review starts without If-Match always leave a history and state consistent with the winner order', async () => {
    const { token, tag } = await newPartner();
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      const claim = await submittedClaim(token, `${tag}-${round}`);
      const mpnId = `90000${round}0`;
      const [edit, start] = await Promise.all([
        http('PATCH', `${intake}/v1/claims/${claim.id}`, { token, body: { mpnId } }),
        http('POST', `${review}/v1/reviews/${claim.id}/start`, { token: reviewer }),
      ]);
      for (const response of [edit, start]) {
        expect([200, 409]).toContain(response.status);
        if (response.status === 409) expect(['version-conflict', 'invalid-state']).toContain(response.body.code);
      }
      // A review start can only lose a race (the edit keeps the claim Submitted), so it is refused only as a conflict.
      if (start.status === 409) expect(start.body.code).toBe('version-conflict');

      const h = await history(token, claim.id);
      const tail = actions(h).slice(3);
      const after = (await http('GET', `${intake}/v1/claims/${claim.id}`, { token })).body;
      // Exactly the successful commands are in the history, once each, one after the other.
      const expectedActions = [edit.status === 200 ? 'edit' : null, start.status === 200 ? 'startReview' : null].filter(Boolean);
      expect([...tail].sort()).toEqual([...expectedActions].sort());
      expect(h.entries.map((e) => e.version)).toEqual(h.entries.map((_, i) => i + 1));
      expect(after.version).toBe(h.version);
      // The state is the one the history's order produces.
      expect(after.status).toBe(tail.includes('startReview') ? 'UnderReview' : 'Submitted');
      expect(after.mpnId).toBe(tail.includes('edit') ? mpnId : '1234567');
      // An edit after the start is impossible: edits are refused in UnderReview.
      if (tail.length === 2) expect(tail).toEqual(['edit', 'startReview']);
      if (edit.status === 409 && edit.body.code === 'invalid-state') expect(tail).toEqual(['startReview']);
      outcomes.push(tail.join('>') || 'none');
    }
    // At least one command of each race succeeds.
    expect(outcomes).not.toContain('none');
  });

  it('R8, R9: reviewer rejects (insufficient PoE); partner disputes with a justification; reviewer overturns; claim is back under review and approved', async () => {
    const { token, tag } = await newPartner();
    const claim = await underReview(token, tag);

    const rejected = await http('POST', `${review}/v1/reviews/${claim.id}/reject`, {
      token: reviewer,
      body: { reason: 'insufficient-poe', comment: 'The document does not show any delivered work' },
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('Rejected');
    expect(rejected.body.rejection).toMatchObject({ reason: 'insufficient-poe', comment: 'The document does not show any delivered work' });
    // R9: the dispute window is 30 calendar days from the rejection.
    expect(Date.parse(rejected.body.rejection.disputeUntil) - Date.parse(rejected.body.rejection.rejectedAt)).toBeGreaterThanOrEqual(30 * DAY_MS - 60 * 60 * 1000);
    expect(Date.parse(rejected.body.rejection.disputeUntil) - Date.parse(rejected.body.rejection.rejectedAt)).toBeLessThanOrEqual(30 * DAY_MS + 60 * 60 * 1000);

    // A dispute needs a justification and/or PoE.
    const empty = await http('POST', `${intake}/v1/claims/${claim.id}/disputes`, { token, body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.errors.join(' ')).toMatch(/justification/);

    const disputed = await http('POST', `${intake}/v1/claims/${claim.id}/disputes`, {
      token,
      body: { justification: 'The delivery acceptance is on page 2, signed by the customer CIO' },
    });
    expect(disputed.status).toBe(200);
    expect(disputed.body.status).toBe('Rejected');
    expect(disputed.body.disputes).toEqual([
      expect.objectContaining({ justification: 'The delivery acceptance is on page 2, signed by the customer CIO', poeDocumentIds: [], dueAt: expect.any(String) }),
    ]);

    // One open dispute at a time.
    const second = await http('POST', `${intake}/v1/claims/${claim.id}/disputes`, { token, body: { justification: 'again' } });
    expect(second.status).toBe(409);
    expect(second.body.condition).toBe('dispute-open');

    // The open dispute is in the reviewers' queue with its answer SLA.
    const queued = await waitFor(async () => {
      const queue = await http('GET', `${review}/v1/reviews/queue?limit=200`, { token: reviewer });
      return queue.body?.items?.find((item: { claimId: string }) => item.claimId === claim.id);
    });
    expect(queued.sla).toEqual({ sla: 'dispute-answer', dueAt: disputed.body.disputes[0].dueAt });

    const decided = await http('POST', `${review}/v1/reviews/${claim.id}/dispute-decision`, {
      token: reviewer,
      body: { decision: 'overturned', comment: 'Signature found on page 2' },
    });
    expect(decided.status).toBe(200);
    expect(decided.body.status).toBe('UnderReview');
    expect(decided.body.rejection).toBeUndefined();

    const approved = await http('POST', `${review}/v1/reviews/${claim.id}/approve`, { token: reviewer, body: { comment: 'Approved after dispute' } });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('Approved');

    const h = await history(token, claim.id);
    expect(actions(h).slice(0, 8)).toEqual(['create', 'addPoe', 'submit', 'startReview', 'reject', 'dispute', 'decideDispute', 'approve']);
    expect(h.entries[4]).toMatchObject({ actor: { kind: 'reviewer' }, details: { reason: 'insufficient-poe', comment: 'The document does not show any delivered work' } });
    expect(h.entries[5]).toMatchObject({ actor: { kind: 'partner' }, fromStatus: 'Rejected', toStatus: 'Rejected' });
    expect(h.entries[6]).toMatchObject({ actor: { kind: 'reviewer' }, fromStatus: 'Rejected', toStatus: 'UnderReview', details: { decision: 'overturned' } });
  });

  it('R9: a dispute may bring updated PoE as multipart (files + justification); a sustained dispute keeps the claim Rejected', async () => {
    const { token, tag } = await newPartner();
    const claim = await underReview(token, tag);
    expect(
      (await http('POST', `${review}/v1/reviews/${claim.id}/reject`, { token: reviewer, body: { reason: 'missing-customer-consent-on-poe', comment: 'No customer signature' } })).status,
    ).toBe(200);

    // A non-PoE file in the dispute is refused like any upload, and no dispute is opened.
    const bad = await http('POST', `${intake}/v1/claims/${claim.id}/disputes`, {
      token,
      form: form([{ name: 'consent.pdf', data: Buffer.from('plain text') }], { justification: 'Signed consent attached' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual(['consent.pdf: only PDF, PNG, JPEG or DOCX files are accepted']);

    const disputed = await http('POST', `${intake}/v1/claims/${claim.id}/disputes`, {
      token,
      form: form([{ name: 'signed-consent.pdf', data: PDF }], { justification: 'Signed consent attached' }),
    });
    expect(disputed.status).toBe(200);
    expect(disputed.body.poe).toHaveLength(2);
    const added = disputed.body.poe[1];
    expect(added).toMatchObject({ fileName: 'signed-consent.pdf', contentType: 'application/pdf' });
    expect(disputed.body.disputes).toEqual([expect.objectContaining({ justification: 'Signed consent attached', poeDocumentIds: [added.documentId] })]);

    const sustained = await http('POST', `${review}/v1/reviews/${claim.id}/dispute-decision`, {
      token: reviewer,
      body: { decision: 'sustained', comment: 'The signature is not the customer’s' },
    });
    expect(sustained.status).toBe(200);
    expect(sustained.body.status).toBe('Rejected');
    expect(sustained.body.rejection.reason).toBe('missing-customer-consent-on-poe');

    const h = await history(token, claim.id);
    expect(actions(h)).toEqual(['create', 'addPoe', 'submit', 'startReview', 'reject', 'addPoe', 'dispute', 'decideDispute']);
  });

  it('R8: the partner withdraws with a sub-reason: Rejected for partner request, which cannot be disputed', async () => {
    const { token, tag } = await newPartner();
    const claim = await submittedClaim(token, tag);

    const missing = await http('POST', `${intake}/v1/claims/${claim.id}/withdraw`, { token, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.join(' ')).toMatch(/subReason/);

    const withdrawn = await http('POST', `${intake}/v1/claims/${claim.id}/withdraw`, {
      token,
      body: { subReason: 'no-longer-working-with-customer', comment: 'Customer moved to another partner' },
    });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status).toBe('Rejected');
    expect(withdrawn.body.rejection).toMatchObject({ reason: 'partner-request', subReason: 'no-longer-working-with-customer', comment: 'Customer moved to another partner' });

    const rejectedEvent = await waitFor(() => eventsOf(claim.id).find((record) => record.headers.ce_type === 'cpor.claim.rejected.v1'));
    expect(rejectedEvent.json()).toMatchObject({ reason: 'partner-request', subReason: 'no-longer-working-with-customer', disputable: false });

    const dispute = await http('POST', `${intake}/v1/claims/${claim.id}/disputes`, { token, body: { justification: 'Changed our mind' } });
    expect(dispute.status).toBe(409);
    expect(dispute.body.condition).toBe('rejection-not-disputable');

    // Gone from the reviewers' queue.
    const queue = await http('GET', `${review}/v1/reviews/queue?limit=200`, { token: reviewer });
    expect(queue.body.items.map((item: { claimId: string }) => item.claimId)).not.toContain(claim.id);
  });

  it('R4, R5, R8: a reviewer decides only under review, with a reviewer reason and a comment; refusals name the status', async () => {
    const { token, tag } = await newPartner();
    const claim = await submittedClaim(token, tag);
    for (const [action, body] of [
      ['approve', {}],
      ['reject', { reason: 'insufficient-poe', comment: 'No' }],
      ['request-info', { reasons: ['missing-all-poe'], comment: 'Please upload the PoE' }],
    ] as const) {
      const early = await http('POST', `${review}/v1/reviews/${claim.id}/${action}`, { token: reviewer, body });
      expect({ action, status: early.status }).toEqual({ action, status: 409 });
      expect(early.body).toMatchObject({ code: 'invalid-state', currentStatus: 'Submitted', allowedStates: ['UnderReview'] });
    }
    expect((await http('POST', `${review}/v1/reviews/${claim.id}/start`, { token: reviewer })).status).toBe(200);
    const twice = await http('POST', `${review}/v1/reviews/${claim.id}/start`, { token: reviewer });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ currentStatus: 'UnderReview', allowedStates: ['Submitted'] });

    // Partner-side and timer reasons are not the reviewer's to give; a rejection needs a comment (the email says why).
    const partnerReason = await http('POST', `${review}/v1/reviews/${claim.id}/reject`, { token: reviewer, body: { reason: 'no-partner-response', comment: 'x' } });
    expect(partnerReason.status).toBe(400);
    expect(partnerReason.body.errors.join(' ')).toMatch(/reason/);
    const noComment = await http('POST', `${review}/v1/reviews/${claim.id}/reject`, { token: reviewer, body: { reason: 'insufficient-poe' } });
    expect(noComment.status).toBe(400);
    expect(noComment.body.errors.join(' ')).toMatch(/comment/);
    const noReasons = await http('POST', `${review}/v1/reviews/${claim.id}/request-info`, { token: reviewer, body: { reasons: [], comment: 'x' } });
    expect(noReasons.status).toBe(400);
    expect(noReasons.body.errors.join(' ')).toMatch(/reasons/);
    const noDispute = await http('POST', `${review}/v1/reviews/${claim.id}/dispute-decision`, { token: reviewer, body: { decision: 'overturned', comment: 'x' } });
    expect(noDispute.status).toBe(409);

    const missing = await http('GET', `${review}/v1/reviews/${randomUUID()}`, { token: reviewer });
    expect(missing.status).toBe(404);
    expect((await http('GET', `${intake}/v1/claims/${claim.id}`, { token })).body).toMatchObject({ status: 'UnderReview', version: 4 });
  });

  it('R11, R12: partner and reviewer comments both show in the history with their actor kinds', async () => {
    const { partnerId, token, tag } = await newPartner();
    const claim = await submittedClaim(token, tag);

    const partnerComment = await http('POST', `${intake}/v1/claims/${claim.id}/comments`, { token, body: { text: 'The signed SOW is the second file.' } });
    expect(partnerComment.status).toBe(200);
    expect((await http('POST', `${review}/v1/reviews/${claim.id}/start`, { token: reviewer })).status).toBe(200);
    const reviewerComment = await http('POST', `${review}/v1/reviews/${claim.id}/comments`, { token: reviewer, body: { text: 'Thanks, checking the signature page.' } });
    expect(reviewerComment.status).toBe(200);
    const reply = await http('POST', `${intake}/v1/claims/${claim.id}/comments`, { token, body: { text: 'Page 3.' } });
    expect(reply.status).toBe(200);

    const empty = await http('POST', `${intake}/v1/claims/${claim.id}/comments`, { token, body: { text: '' } });
    expect(empty.status).toBe(400);

    const comments = (await history(token, claim.id)).entries.filter((e) => e.action === 'comment');
    expect(comments.map((e) => ({ kind: e.actor.kind, id: e.actor.id, text: e.details.text, authorKind: e.details.authorKind }))).toEqual([
      { kind: 'partner', id: `admin-${partnerId}`, text: 'The signed SOW is the second file.', authorKind: 'partner' },
      { kind: 'reviewer', id: 'reviewer-ada', text: 'Thanks, checking the signature page.', authorKind: 'reviewer' },
      { kind: 'partner', id: `admin-${partnerId}`, text: 'Page 3.', authorKind: 'partner' },
    ]);

    // The reviewer sees the same conversation.
    const reviewerView = await http('GET', `${review}/v1/reviews/${claim.id}`, { token: reviewer });
    expect(reviewerView.status).toBe(200);
    expect(reviewerView.body.history.filter((e: { action: string }) => e.action === 'comment').map((e: any) => e.details.text)).toEqual([
      'The signed SOW is the second file.',
      'Thanks, checking the signature page.',
      'Page 3.',
    ]);
  });

  it('R3, R4: the review queue lists waiting claims oldest first, each with its SLA due time', async () => {
    const { token, tag } = await newPartner();
    const first = await submittedClaim(token, `${tag}-a`);
    const second = await submittedClaim(token, `${tag}-b`);
    const third = await submittedClaim(token, `${tag}-c`);
    expect((await http('POST', `${review}/v1/reviews/${second.id}/start`, { token: reviewer })).status).toBe(200);
    const ids = [first.id, second.id, third.id];

    const queue = await http('GET', `${review}/v1/reviews/queue?limit=200`, { token: reviewer });
    expect(queue.status).toBe(200);
    expect(queue.body.total).toBeLessThanOrEqual(200);
    const items: Array<Record<string, any>> = queue.body.items;
    // The whole queue is ordered by how long each claim has waited.
    const waiting = items.map((item) => Date.parse(item.waitingSince));
    expect([...waiting].sort((a, b) => a - b)).toEqual(waiting);

    const mine = items.filter((item) => ids.includes(item.claimId));
    // Second was started after third was submitted: it waits since its start now.
    expect(mine.map((item) => item.claimId)).toEqual([first.id, third.id, second.id]);
    expect(mine.map((item) => [item.status, item.sla.sla])).toEqual([
      ['Submitted', 'review-start'],
      ['Submitted', 'review-start'],
      ['UnderReview', 'decision'],
    ]);
    for (const item of mine) {
      expect(item).toMatchObject({ partnerId: expect.any(String), mpnId: '1234567', products: ['microsoft-365'], activity: 'deployment' });
      // Five business days: at least a calendar week, at most two (weekends and holidays).
      const span = Date.parse(item.sla.dueAt) - Date.parse(item.waitingSince);
      expect(span).toBeGreaterThanOrEqual(7 * DAY_MS - 60 * 60 * 1000);
      expect(span).toBeLessThanOrEqual(14 * DAY_MS);
    }

    // The due time is the one the lifecycle announced when the claim was submitted.
    const submittedEvent = await waitFor(() => eventsOf(first.id).find((record) => record.headers.ce_type === 'cpor.claim.submitted.v1'));
    expect(mine[0].sla.dueAt).toBe(submittedEvent.json().reviewStartDueAt);
    const startedEvent = await waitFor(() => eventsOf(second.id).find((record) => record.headers.ce_type === 'cpor.claim.review-started.v1'));
    expect(mine[2].sla.dueAt).toBe(startedEvent.json().decisionDueAt);

    // Filtered by status: only those (either spelling of a list), in the same order; a status no queued claim has is refused.
    const underReview = await http('GET', `${review}/v1/reviews/queue?limit=200&status=UnderReview`, { token: reviewer });
    expect(underReview.body.items.filter((item: { claimId: string }) => ids.includes(item.claimId)).map((item: { claimId: string }) => item.claimId)).toEqual([second.id]);
    expect(new Set(underReview.body.items.map((item: { status: string }) => item.status))).toEqual(new Set(['UnderReview']));
    expect(underReview.body.total).toBe(underReview.body.items.length);
    const both = await http('GET', `${review}/v1/reviews/queue?limit=200&status=Submitted,UnderReview`, { token: reviewer });
    expect(both.body.items.filter((item: { claimId: string }) => ids.includes(item.claimId)).map((item: { claimId: string }) => item.claimId)).toEqual([first.id, third.id, second.id]);
    expect((await http('GET', `${review}/v1/reviews/queue?status=Approved`, { token: reviewer })).status).toBe(400);

    // Paging keeps the order.
    const index = items.findIndex((item) => item.claimId === first.id);
    const page = await http('GET', `${review}/v1/reviews/queue?limit=1&offset=${index}`, { token: reviewer });
    expect(page.body.items.map((item: { claimId: string }) => item.claimId)).toEqual([first.id]);
  });

  describe('upstream commands on Kafka', () => {
    function upstreamCreate(partnerId: string, tag: string, extra: Record<string, unknown> = {}) {
      return { partnerId, requestedBy: 'crm-sync', claim: claimFields(tag), ...extra };
    }

    it('R1: the same create request published twice (same ce_id) creates one claim', async () => {
      const { partnerId, token, tag } = await newPartner();
      const requestId = randomUUID();
      const request = upstreamCreate(partnerId, tag);
      await kafka.sendEvent(TOPICS.claimRequests, { id: requestId, type: REQUEST_TYPES.create, subject: partnerId, data: request });
      await kafka.sendEvent(TOPICS.claimRequests, { id: requestId, type: REQUEST_TYPES.create, subject: partnerId, data: request });
      // A third request on the same key (so the same partition, after both copies) marks when both were handled.
      const markerId = randomUUID();
      await kafka.sendEvent(TOPICS.claimRequests, { id: markerId, type: REQUEST_TYPES.create, subject: partnerId, data: upstreamCreate(partnerId, `${tag}-marker`) });

      const list = await waitFor(
        async () => {
          const response = await http('GET', `${intake}/v1/claims`, { token });
          return response.body?.items?.some((item: any) => item.customer.name === `Contoso ${tag}-marker`) ? response.body : undefined;
        },
        { message: 'the marker request processed', timeoutMs: 30_000 },
      );
      expect(list.total).toBe(2);
      const claim = list.items.find((item: any) => item.customer.name === `Contoso ${tag}`);
      expect(claim).toBeDefined();
      expect(claim.version).toBe(1);
      const h = await history(token, claim.id);
      expect(h.entries).toEqual([expect.objectContaining({ action: 'create', actor: { kind: 'upstream', id: 'urn:test:upstream:crm-sync' } })]);
      // Neither copy is an error for the sender.
      expect(kafka.on(TOPICS.claimRequestsRejected).filter((record) => record.json().requestId === requestId)).toEqual([]);
    });

    it("R1: an upstream command naming another organisation's claim is answered on the rejected topic, and changes nothing", async () => {
      const owner = await newPartner();
      const other = await newPartner();
      const claim = await createClaim(owner.token, owner.tag);

      const requestId = randomUUID();
      const request = { partnerId: other.partnerId, requestedBy: 'crm-sync', claimId: claim.id, changes: { mpnId: '9999999' } };
      // Formatted as some upstream systems send it: the rejection carries this text as it came.
      const value = JSON.stringify(request, null, 2);
      await kafka.sendEvent(TOPICS.claimRequests, { id: requestId, type: REQUEST_TYPES.edit, subject: claim.id, data: request, value });

      const rejection = await waitFor(() => kafka.on(TOPICS.claimRequestsRejected).find((record) => record.json().requestId === requestId), {
        message: 'rejection of the foreign edit',
        timeoutMs: 30_000,
      });
      const body = rejection.json();
      expect(body.requestType).toBe(REQUEST_TYPES.edit);
      expect(body.originalPayload).toBe(value);
      expect(body.errors[0]).toMatch(/^not-found: /);
      // Nothing about the claim leaks to the other organisation.
      expect(body.errors.join(' ')).not.toContain(owner.partnerId);

      const after = await http('GET', `${intake}/v1/claims/${claim.id}`, { token: owner.token });
      expect(after.body).toMatchObject({ mpnId: '1234567', version: 1 });

      // The same command for the owning organisation is applied (it was the organisation that was refused).
      const ownId = randomUUID();
      await kafka.sendEvent(TOPICS.claimRequests, { id: ownId, type: REQUEST_TYPES.edit, subject: claim.id, data: { ...request, partnerId: owner.partnerId } });
      const edited = await waitFor(async () => {
        const view = await http('GET', `${intake}/v1/claims/${claim.id}`, { token: owner.token });
        return view.body?.mpnId === '9999999' ? view.body : undefined;
      }, { message: "the owner's upstream edit", timeoutMs: 30_000 });
      expect(edited.version).toBe(2);
      expect((await history(owner.token, claim.id)).entries[1]).toMatchObject({ action: 'edit', actor: { kind: 'upstream' } });
    });

    it('R2: an upstream submit without PoE is answered on the rejected topic with the domain error', async () => {
      const { partnerId, token, tag } = await newPartner();
      const claim = await createClaim(token, tag);

      const requestId = randomUUID();
      const request = { partnerId, requestedBy: 'crm-sync', claimId: claim.id };
      await kafka.sendEvent(TOPICS.claimRequests, { id: requestId, type: REQUEST_TYPES.submit, subject: claim.id, data: request });

      const rejection = await waitFor(() => kafka.on(TOPICS.claimRequestsRejected).find((record) => record.json().requestId === requestId), {
        message: 'rejection of the submit without PoE',
        timeoutMs: 30_000,
      });
      const body = rejection.json();
      expect(body.requestType).toBe(REQUEST_TYPES.submit);
      expect(JSON.parse(body.originalPayload)).toEqual(request);
      expect(body.errors[0]).toMatch(/^invalid-state: Submit needs at least one PoE document/);
      expect(rejection.headers.ce_type).toBe('cpor.claim-request.rejected.v1');

      const after = await http('GET', `${intake}/v1/claims/${claim.id}`, { token });
      expect(after.body).toMatchObject({ status: 'Editing', version: 1 });

      // The claim gets its PoE; then the refused request arrives again (an upstream duplicate, a
      // replay). It was refused: it is answered with the same rejection, not decided again.
      expect((await uploadPoe(token, claim.id)).status).toBe(200);
      await kafka.sendEvent(TOPICS.claimRequests, { id: requestId, type: REQUEST_TYPES.submit, subject: claim.id, data: request });
      const answers = await waitFor(() => {
        const found = kafka.on(TOPICS.claimRequestsRejected).filter((record) => record.json().requestId === requestId);
        return found.length >= 2 ? found : undefined;
      }, { message: 'the repeated request answered again', timeoutMs: 30_000 });
      expect(answers.map((record) => record.headers.ce_id)).toEqual([rejection.headers.ce_id, rejection.headers.ce_id]);
      expect(answers[1].json()).toEqual(body);
      const again = await http('GET', `${intake}/v1/claims/${claim.id}`, { token });
      expect(again.body).toMatchObject({ status: 'Editing', version: 2 });
    });
  });
});
