import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import openapiTS, { astToString } from 'openapi-typescript';

// A typed client generated from the OpenAPI documents (as an integrator would, with
// openapi-typescript) must compile against a small program that uses the answers as documented:
// a response schema for every operation, problem details for errors, the headers that apply.
const docs = new URL('../../docs/openapi/', import.meta.url);
const SERVICES = ['intake', 'review', 'consent'] as const;

const PROGRAM = `
import type { paths as Intake, components as IntakeSchemas, operations as IntakeOperations } from './intake.js';
import type { paths as Review, operations as ReviewOperations } from './review.js';
import type { paths as Consent } from './consent.js';

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type Problem<T> = T extends { content: { 'application/problem+json': infer Body } } ? Body : never;

type Claim = Json<Intake['/v1/claims/{claimId}']['get']['responses'][200]>;
type Created = Json<IntakeOperations['createClaim']['responses'][201]>;
type Page = Json<Intake['/v1/claims']['get']['responses'][200]>;
type Stale = Problem<Intake['/v1/claims/{claimId}/submit']['post']['responses'][412]>;
type Invalid = Problem<IntakeOperations['createClaim']['responses'][400]>;
type Reused = Problem<IntakeOperations['createClaim']['responses'][422]>;
type Queue = Json<ReviewOperations['getReviewQueue']['responses'][200]>;
type Approved = Json<Review['/v1/reviews/{claimId}/approve']['post']['responses'][200]>;
type Declined = Json<Consent['/v1/consent/{token}']['post']['responses'][200]>;

type CreateBody = NonNullable<IntakeOperations['createClaim']['requestBody']>['content']['application/json'];
type SubmitHeaders = NonNullable<IntakeOperations['submitClaim']['parameters']['header']>;
type ListQuery = NonNullable<IntakeOperations['listClaims']['parameters']['query']>;

export function use(claim: Claim, created: Created, page: Page, stale: Stale, invalid: Invalid, reused: Reused, queue: Queue, approved: Approved, declined: Declined): string[] {
  const version: number = claim.version;
  const status: 'Editing' | 'Submitted' | 'UnderReview' | 'PartnerActionRequired' | 'Approved' | 'Rejected' = claim.status;
  const poe: string[] = claim.poe.map((document) => document.sha256);
  const next: string | null = page.next;
  const current: number | undefined = stale.currentVersion;
  const errors: string[] | undefined = invalid.errors;
  const code: string = reused.code;
  const due: string | undefined = queue.items[0]?.sla?.dueAt;
  const deadline: string = declined.consentDeadline;
  const body: CreateBody = { mpnId: '1234567', customer: { tenantId: '0b8c2a3e-1d4f-4a7b-9c2e-3f5a6b7c8d9e', name: 'Contoso', domain: 'contoso.com' }, customerContact: { name: 'C', email: 'c@contoso.com' }, partnerContact: { name: 'P', email: 'p@fabrikam.com' }, products: ['microsoft-365'], activity: 'deployment', subscriptionOrTenantId: '0b8c2a3e-1d4f-4a7b-9c2e-3f5a6b7c8d9e' };
  const headers: SubmitHeaders = { 'If-Match': '"3"', 'Idempotency-Key': 'a-key' };
  const query: ListQuery = { status: ['Submitted', 'UnderReview'], updatedAfter: '2026-01-01T00:00:00Z', sort: '-updatedAt', cursor: next ?? undefined };
  const schema: IntakeSchemas['schemas']['ProblemDto']['type'] = stale.type;
  return [String(version), status, ...poe, created.id, String(current), ...(errors ?? []), code, due ?? '', deadline, body.mpnId, headers['If-Match'] ?? '', String(query.limit), schema, approved.status];
}
`;

describe('OpenAPI documents generate a typed client', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cpor-openapi-client-'));
    for (const service of SERVICES) {
      const document = JSON.parse(readFileSync(new URL(`${service}.json`, docs), 'utf8'));
      writeFileSync(path.join(dir, `${service}.ts`), astToString(await openapiTS(document)));
    }
    writeFileSync(path.join(dir, 'program.ts'), PROGRAM);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a program using the documented answers, errors, headers and query compiles against the generated types', () => {
    const program = ts.createProgram([path.join(dir, 'program.ts')], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });

  it.each(SERVICES)('every operation of %s has an operation id, and every answer a schema', (service) => {
    const document = JSON.parse(readFileSync(new URL(`${service}.json`, docs), 'utf8'));
    for (const [route, operations] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        expect({ route, method, operationId: operation.operationId }).toEqual({ route, method, operationId: expect.stringMatching(/^[a-z][A-Za-z]+$/) });
        for (const [status, answer] of Object.entries<any>(operation.responses)) {
          expect({ route, method, status, described: Boolean(answer.content) }).toEqual({ route, method, status, described: true });
        }
        const headers = (operation.parameters ?? []).filter((parameter: { in: string }) => parameter.in === 'header').map((parameter: { name: string }) => parameter.name.toLowerCase());
        expect({ route, method, headers }).toEqual({ route, method, headers: [...new Set(headers)] });
      }
    }
  });
});
