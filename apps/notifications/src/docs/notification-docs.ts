import { ConsentLinkSigner } from '@cpor/platform';
import type { RecipientRole } from '@cpor/domain';
import { planNotifications, type PlanContext } from '../notification-plan.js';
import { SAMPLE_CONTEXT, sampleCases } from '../testing/sample-events.js';
import { TemplateRenderer } from '../templates/template-renderer.js';

/**
 * The generated part of docs/notifications.md: which event sends what to whom, and one rendered
 * example of each message, straight from the plan and the template files so the docs cannot drift.
 * Regenerate with `UPDATE_DOCS=1` and the unit test notification-docs.spec.ts.
 */

export const DOCS_BEGIN = '<!-- generated:notifications:begin (do not edit by hand: see "Changing an email") -->';
export const DOCS_END = '<!-- generated:notifications:end -->';

const ROLE_LABELS: Record<RecipientRole, string> = {
  partner: "the claim's partner contact",
  customer: "the claim's customer contact",
  reviewers: 'the PoE reviewers (REVIEWERS_EMAIL)',
  ops: 'operations (OPS_EMAIL)',
};

export function generatedNotificationDocs(templatesDir: string): string {
  // A real signed link (with an example secret) so the example looks like what customers get.
  const signer = new ConsentLinkSigner('example-secret-for-docs');
  const ctx: PlanContext = {
    ...SAMPLE_CONTEXT,
    consentLink: (claim, deadline) =>
      signer.url('https://consent.cpor.example', { claimId: claim.id, epoch: claim.statusEpoch, expiresAt: deadline }),
  };
  const renderer = new TemplateRenderer(templatesDir, { strict: true });
  const cases = sampleCases().map((c) => ({ ...c, messages: planNotifications(c.event, ctx) }));

  const lines: string[] = [DOCS_BEGIN, '', '## Which event sends what to whom', ''];
  lines.push('| when | event (`ce_type`) | email | to |', '|---|---|---|---|');
  for (const c of cases) {
    for (const m of c.messages) {
      lines.push(`| ${c.title} | \`${c.event.type}\` | [${m.template}](#${m.template}) | ${ROLE_LABELS[m.recipient.role]} |`);
    }
  }
  lines.push('', '## Examples', '');
  lines.push(
    `Rendered from the template files for an example claim (PARTNER_PORTAL_URL=${SAMPLE_CONTEXT.claimsBaseUrl.replace(/\/claims$/, '')}, ` +
      `dates in ${SAMPLE_CONTEXT.timeZone}). Every email also has an HTML part with the same content.`,
    '',
  );
  const seen = new Set<string>();
  for (const c of cases) {
    for (const m of c.messages) {
      if (seen.has(m.template)) continue;
      seen.add(m.template);
      const rendered = renderer.render(m.template, m.variables);
      lines.push(`### ${m.template}`, '');
      lines.push(`${c.title}. To ${ROLE_LABELS[m.recipient.role]}.`, '');
      lines.push('```text', `To: ${m.recipient.name} <${m.recipient.email}>`, `Subject: ${rendered.subject}`, '', rendered.text.trimEnd(), '```', '');
    }
  }
  lines.push(DOCS_END);
  return lines.join('\n');
}

/** The document with its generated section replaced (or appended when it has none yet). */
export function withGeneratedSection(document: string, generated: string): string {
  const begin = document.indexOf(DOCS_BEGIN);
  const end = document.indexOf(DOCS_END);
  if (begin === -1 || end === -1) return `${document.trimEnd()}\n\n${generated}\n`;
  return document.slice(0, begin) + generated + document.slice(end + DOCS_END.length);
}
