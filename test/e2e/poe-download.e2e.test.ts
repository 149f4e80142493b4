import { randomUUID } from 'node:crypto';
import { http } from '../support/http.js';
import { claimFields, LifecycleDriver, PDF, type Claim } from '../support/lifecycle-driver.js';
import { startSystem, type RunningSystem } from '../support/system.js';

/** PNG signature and an IHDR start: enough for intake's sniffing, which is all this test needs. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);

/** GET of a PoE file: status, headers and the raw bytes (not parsed as JSON). */
async function download(url: string, token: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('PoE download (intake)', () => {
  let system: RunningSystem;
  let driver: LifecycleDriver;
  let claim: Claim;
  const poeUrl = (claimId: string, documentId: string) => `${system.urls.intake}/v1/claims/${claimId}/poe/${documentId}`;

  beforeAll(async () => {
    system = await startSystem();
    driver = new LifecycleDriver(system);
    claim = await driver.draft(claimFields(`poe-${system.runId}`));
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('gives the owning organisation the stored bytes as an attachment, with the stored type and nosniff', async () => {
    const [document] = claim.poe;
    const answer = await download(poeUrl(claim.id, document.documentId), await driver.partner());
    expect(answer.status).toBe(200);
    expect(answer.bytes.equals(PDF)).toBe(true);
    expect(answer.headers.get('content-type')).toBe('application/pdf');
    expect(answer.headers.get('content-length')).toBe(String(PDF.length));
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="?signed-sow\.pdf"?$/);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the sniffed type, not one guessed from the name, under the sanitised name', async () => {
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(PNG)], { type: 'application/pdf' }), 'scan "final" é.pdf');
    const uploaded = await http('POST', `${system.urls.intake}/v1/claims/${claim.id}/poe`, { token: await driver.partner(), form });
    expect(uploaded.status).toBe(200);
    const png = (uploaded.body as Claim).poe.find((document: { contentType: string }) => document.contentType === 'image/png');
    const answer = await download(poeUrl(claim.id, png.documentId), await driver.partner());
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('image/png');
    expect(answer.bytes.equals(PNG)).toBe(true);
    // Upload keeps a sanitised name (no quotes or non-ASCII), so the header needs no escaping.
    expect(png.fileName).toMatch(/^[\w .-]+$/);
    expect(answer.headers.get('content-disposition')).toBe(`attachment; filename="${png.fileName}"`);
  });

  it('gives a reviewer any claim\'s PoE', async () => {
    const [document] = claim.poe;
    const answer = await download(poeUrl(claim.id, document.documentId), await driver.reviewer());
    expect(answer.status).toBe(200);
    expect(answer.bytes.equals(PDF)).toBe(true);
  });

  it('answers another organisation exactly what a missing file gets', async () => {
    const [document] = claim.poe;
    const stranger = await system.token({ sub: 'other-org-admin', roles: ['global-admin'], partnerId: `other-${system.runId}` });
    const foreign = await http('GET', poeUrl(claim.id, document.documentId), { token: stranger });
    const missingDocument = await http('GET', poeUrl(claim.id, randomUUID()), { token: await driver.partner() });
    const missingClaim = await http('GET', poeUrl(randomUUID(), document.documentId), { token: await driver.partner() });
    for (const answer of [foreign, missingDocument, missingClaim]) {
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const withoutInstance = (body: Record<string, unknown>) => ({ ...body, instance: undefined });
    expect(withoutInstance(foreign.body)).toEqual(withoutInstance(missingDocument.body));
    expect(withoutInstance(foreign.body)).toEqual(withoutInstance(missingClaim.body));
  });

  it('refuses users without a partner or reviewer role, and anonymous callers', async () => {
    const [document] = claim.poe;
    const roleless = await system.token({ sub: 'no-role', roles: [], partnerId: driver.partnerId });
    expect((await http('GET', poeUrl(claim.id, document.documentId), { token: roleless })).status).toBe(403);
    expect((await http('GET', poeUrl(claim.id, document.documentId))).status).toBe(401);
  });

  it('answers 400 for a malformed claim or document id', async () => {
    const [document] = claim.poe;
    const token = await driver.partner();
    for (const url of [poeUrl('not-a-claim', document.documentId), poeUrl(claim.id, 'not-a-file')]) {
      const answer = await http('GET', url, { token });
      expect(answer.status).toBe(400);
      expect(answer.body.detail).toMatch(/uuid/i);
    }
  });
});
