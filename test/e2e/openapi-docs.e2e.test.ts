import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { http } from '../support/http.js';
import { startSystem, type RunningSystem } from '../support/system.js';

// The OpenAPI documents in docs/openapi/ are what the services serve at /docs/openapi.json.
// `UPDATE_DOCS=1` rewrites them; otherwise a drift fails here.
const SERVICES = ['intake', 'review', 'consent', 'eligibility', 'notifications'] as const;
const docsDir = new URL('../../docs/openapi/', import.meta.url);

describe('OpenAPI documents', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem();
  });

  afterAll(async () => {
    await system?.stop();
  });

  it.each(SERVICES)('docs/openapi/%s.json matches what the service serves', async (service) => {
    const served = await http('GET', `${system.urls[service]}/docs/openapi.json`);
    expect(served.status).toBe(200);
    const document = JSON.stringify(served.body, null, 2) + '\n';
    const file = new URL(`${service}.json`, docsDir);
    if (process.env.UPDATE_DOCS === '1') {
      mkdirSync(docsDir, { recursive: true });
      writeFileSync(file, document);
    }
    expect(readFileSync(file, 'utf8')).toBe(document);
  });

  it('documents every partner and reviewer route with bearer auth', async () => {
    const intake = JSON.parse(readFileSync(new URL('intake.json', docsDir), 'utf8'));
    const review = JSON.parse(readFileSync(new URL('review.json', docsDir), 'utf8'));
    expect(Object.keys(intake.paths)).toEqual(
      expect.arrayContaining(['/v1/claims', '/v1/claims/{claimId}', '/v1/claims/{claimId}/poe', '/v1/claims/{claimId}/submit', '/v1/claims/{claimId}/disputes', '/v1/claims/{claimId}/history']),
    );
    expect(Object.keys(review.paths)).toEqual(expect.arrayContaining(['/v1/reviews/queue', '/v1/reviews/{claimId}/start', '/v1/reviews/{claimId}/approve', '/v1/reviews/{claimId}/dispute-decision']));
    expect(intake.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
