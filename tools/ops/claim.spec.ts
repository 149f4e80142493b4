import { describe, expect, it } from '@jest/globals';
import type { ClaimDossier } from '@cpor/persistence';
import { runOps } from './cli.js';
import { EXIT } from './context.js';
import { FakeKafka, fakeContext, fakeStore } from './testing/fake-kafka.js';

const at = (iso: string) => new Date(iso);

const dossier = {
  id: 'c-1',
  version: 3,
  status: 'UnderReview',
  policyId: 'cpor-2020-06',
  partnerId: 'partner-1',
  createdAt: at('2024-03-01T10:00:00Z'),
  updatedAt: at('2024-03-02T09:00:00Z'),
  state: { id: 'c-1', status: 'UnderReview', policyId: 'cpor-2020-06', partnerId: 'partner-1', customer: { tenantId: 't-1', name: 'Contoso', domain: 'contoso.com' }, disputes: [] },
  history: [
    { version: 1, at: '2024-03-01T10:00:00.000Z', actor: { kind: 'partner', id: 'p-user' }, action: 'create', fromStatus: null, toStatus: 'Editing', summary: 'created', eventIds: ['e1'] },
    { version: 3, at: '2024-03-02T09:00:00.000Z', actor: { kind: 'reviewer', id: 'r-1' }, action: 'start-review', fromStatus: 'Submitted', toStatus: 'UnderReview', summary: 'review started', eventIds: ['e3'] },
  ],
  snapshotBehindBy: 0,
  pendingOutbox: [{ version: 3, at: at('2024-03-02T09:00:00Z'), commandId: 'cmd-3', events: [{ topic: 'cpor.claim-events.v1', id: 'e3', type: 'cpor.claim.review-started.v1' }] }],
  deadlines: [
    { id: 'review:decision:c-1:2', owner: 'review', kind: 'decision', epoch: 2, dueAt: at('2024-03-09T22:00:00Z'), status: 'pending', attempts: 0, retryAt: null, firedAt: null, lastError: null },
  ],
  consentRequests: [],
  deliveries: [
    { ref: 'ab12', eventId: 'e2', eventType: 'cpor.claim.submitted.v1', template: 'submitted', role: 'reviewers', status: 'sent', attempts: 1, createdAt: at('2024-03-01T11:00:00Z'), nextAttemptAt: at('2024-03-01T11:00:00Z'), sentAt: at('2024-03-01T11:00:01Z'), lastError: null },
  ],
} as unknown as ClaimDossier;

describe('claim show', () => {
  const run = () => fakeContext(new FakeKafka(), fakeStore({ claimDossier: async (id) => (id === 'c-1' ? dossier : null) }));

  it('--json: the dossier and the numbers of its policy', async () => {
    const ops = run();
    expect(await runOps(['claim', 'show', 'c-1', '--json'], ops.context)).toBe(EXIT.ok);
    const { command, claim } = ops.json();
    expect(command).toBe('claim show');
    expect(claim).toMatchObject({ id: 'c-1', version: 3, status: 'UnderReview', policy: { id: 'cpor-2020-06', consentWindowDays: expect.any(Number) } });
    expect(claim.pendingOutbox).toEqual([{ version: 3, at: '2024-03-02T09:00:00.000Z', commandId: 'cmd-3', events: [{ topic: 'cpor.claim-events.v1', id: 'e3', type: 'cpor.claim.review-started.v1' }] }]);
    expect(claim.deadlines[0]).toMatchObject({ owner: 'review', kind: 'decision', status: 'pending', dueAt: '2024-03-09T22:00:00.000Z' });
    expect(claim.deliveries[0]).toMatchObject({ ref: 'ab12', role: 'reviewers', status: 'sent' });
  });

  it('in text: status, policy, history, pending outbox, deadlines and deliveries', async () => {
    const ops = run();
    expect(await runOps(['claim', 'show', 'c-1'], ops.context)).toBe(EXIT.ok);
    const text = ops.stdout();
    expect(text).toContain('claim c-1 version 3 status UnderReview');
    expect(text).toMatch(/policy cpor-2020-06: review start \d+ bd/);
    expect(text).toContain('  v3 2024-03-02T09:00:00.000Z reviewer:r-1 start-review Submitted -> UnderReview: review started');
    expect(text).toContain('pending outbox (1):\n  v3 committed 2024-03-02T09:00:00.000Z command cmd-3\n    cpor.claim.review-started.v1 id=e3 -> cpor.claim-events.v1');
    expect(text).toContain('  review/decision epoch 2 due 2024-03-09T22:00:00.000Z pending');
    expect(text).toContain('  ab12 submitted to reviewers for cpor.claim.submitted.v1 (e2) sent attempts=1 sent 2024-03-01T11:00:01.000Z');
  });
});
