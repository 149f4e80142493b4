// `claim show <id>`: one claim as the store holds it: status, policy, history, outbox rows not
// yet published, deadlines, consent windows and email deliveries. Read only.
import type { Command } from 'commander';
import { POLICIES } from '@cpor/domain';
import type { ClaimDossier } from '@cpor/persistence';
import { EXIT, NotFoundError, printResult, type OpsContext } from './context.js';
import { withJson } from './options.js';
import type { Act } from './cli.js';

const iso = (value: Date | string | null | undefined) => (value ? new Date(value).toISOString() : '-');

export function claimLines(claim: ClaimDossier): string[] {
  const policy = Object.hasOwn(POLICIES, claim.policyId) ? POLICIES[claim.policyId] : undefined;
  const { state } = claim;
  const dates = [
    state.infoRequest && state.status === 'PartnerActionRequired' ? `partner response due ${state.infoRequest.dueAt}` : null,
    state.consent ? `consent window ends ${state.consent.deadline}${state.consent.declinedAt ? ` (declined ${state.consent.declinedAt})` : ''}${state.consent.elapsedAt ? ` (elapsed ${state.consent.elapsedAt})` : ''}` : null,
    state.rejection ? `dispute window ends ${state.rejection.disputeUntil}` : null,
    ...state.disputes.filter((d) => !d.decision).map((d) => `dispute ${d.id} answer due ${d.dueAt}`),
  ].filter((line): line is string => line !== null);
  return [
    `claim ${claim.id} version ${claim.version} status ${claim.status}`,
    `  partner ${claim.partnerId}, customer ${state.customer.tenantId} (${state.customer.name}), created ${iso(claim.createdAt)}, updated ${iso(claim.updatedAt)}`,
    policy
      ? `  policy ${policy.id}: review start ${policy.reviewStartSlaBusinessDays} bd, decision ${policy.decisionSlaBusinessDays} bd, partner response ${policy.partnerResponseBusinessDays} bd, dispute window ${policy.disputeWindowDays} d, dispute answer ${policy.disputeAnswerBusinessDays} bd, consent window ${policy.consentWindowDays} d`
      : `  policy ${claim.policyId} (unknown to this build)`,
    ...(claim.snapshotBehindBy > 0 ? [`  note: the claims snapshot lags the log by ${claim.snapshotBehindBy} version(s); shown from the log`] : []),
    ...dates.map((line) => `  ${line}`),
    `history (${claim.history.length}):`,
    ...claim.history.map((h) => `  v${h.version} ${h.at} ${h.actor.kind}:${h.actor.id} ${h.action} ${h.fromStatus ?? '-'} -> ${h.toStatus}: ${h.summary}`),
    `pending outbox (${claim.pendingOutbox.length}):`,
    ...claim.pendingOutbox.flatMap((row) => [
      `  v${row.version} committed ${iso(row.at)} command ${row.commandId ?? '-'}`,
      ...row.events.map((e) => `    ${e.type} id=${e.id} -> ${e.topic}`),
    ]),
    `deadlines (${claim.deadlines.length}):`,
    ...claim.deadlines.map(
      (d) =>
        `  ${d.owner}/${d.kind} epoch ${d.epoch} due ${iso(d.dueAt)} ${d.status}${d.attempts ? ` attempts=${d.attempts}` : ''}${d.firedAt ? ` fired ${iso(d.firedAt)}` : ''}${d.retryAt ? ` retry ${iso(d.retryAt)}` : ''}${d.lastError ? ` error=${JSON.stringify(d.lastError)}` : ''}`,
    ),
    `consent requests (${claim.consentRequests.length}):`,
    ...claim.consentRequests.map((c) => `  epoch ${c.epoch} ${c.status} until ${iso(c.deadline)}${c.usedAt ? ` declined ${iso(c.usedAt)}` : ''}${c.elapsedAt ? ` elapsed ${iso(c.elapsedAt)}` : ''}`),
    `deliveries (${claim.deliveries.length}):`,
    ...claim.deliveries.map(
      (d) =>
        `  ${d.ref} ${d.template} to ${d.role} for ${d.eventType} (${d.eventId}) ${d.status} attempts=${d.attempts}${d.sentAt ? ` sent ${iso(d.sentAt)}` : ` next ${iso(d.nextAttemptAt)}`}${d.lastError ? ` error=${JSON.stringify(d.lastError)}` : ''}`,
    ),
  ];
}

export async function showClaim(context: OpsContext, claimId: string, options: { json?: boolean }): Promise<number> {
  const store = await context.store();
  const claim = await store.claimDossier(claimId);
  if (!claim) throw new NotFoundError(`no claim ${claimId} in the store`);
  const policy = Object.hasOwn(POLICIES, claim.policyId) ? POLICIES[claim.policyId] : null;
  printResult(context, Boolean(options.json), 'claim show', { claim: { ...claim, policy } }, () => claimLines(claim));
  return EXIT.ok;
}

export function registerClaim(program: Command, context: OpsContext, act: Act): void {
  const claim = program.command('claim').description('claims as the store holds them (MONGO_URL, MONGO_DB)');
  withJson(
    claim
      .command('show')
      .description('status, policy, history, outbox rows not yet published, deadlines, consent windows and email deliveries of one claim')
      .argument('<id>', 'claim id'),
  ).action(act((id: string, options: { json?: boolean }) => showClaim(context, id, options)));
}
