// Renders the lifecycle from TRANSITIONS and the other data modules, so docs/lifecycle.md cannot drift
// from the code (lifecycle-diagram.spec.ts compares the file with these strings).
import { ELIGIBILITY_RULES, type EligibilityRules } from './eligibility.js';
import { POLICIES, type Policy } from './policy.js';
import {
  ACTIVITIES,
  ACTIVITY_LABELS,
  INFO_REQUEST_REASONS,
  PARTNER_REQUEST_SUBREASONS,
  PRODUCTS,
  PRODUCT_LABELS,
  REASON_LABELS,
  REJECTION_REASONS,
} from './reasons.js';
import { TRANSITIONS } from './transitions.js';

/** Mermaid stateDiagram-v2 of every status-changing transition (actions that keep the status are in the table). */
export function renderStateDiagram(): string {
  const lines = ['stateDiagram-v2'];
  for (const row of TRANSITIONS) {
    if (row.to === 'same' || row.from === 'policy-editable') continue;
    const label = row.when ? `${row.action} (${row.when})` : row.action;
    const sources = row.from.length === 0 ? ['[*]'] : row.from;
    for (const from of sources) lines.push(`    ${from} --> ${row.to}: ${label}`);
  }
  return lines.join('\n') + '\n';
}

/** Markdown table of TRANSITIONS. */
export function renderTransitionTable(): string {
  const rows = TRANSITIONS.map((r) => {
    const from = r.from === 'policy-editable' ? "policy's editableStates" : r.from.length ? r.from.join(', ') : '(new claim)';
    const to = r.to === 'same' ? '(unchanged)' : r.to;
    return `| \`${r.action}\` | ${from} | ${to} | ${r.actors.join(', ')} | \`${r.event}\` | ${r.when ?? ''} |`;
  });
  return ['| action | from | to | actors | event | when |', '|---|---|---|---|---|---|', ...rows].join('\n') + '\n';
}

/** Markdown tables of every reason, product and activity code with its label. */
export function renderReasonTables(): string {
  const table = (title: string, codes: readonly string[], labels: Record<string, string>) =>
    [`**${title}**`, '', '| code | label |', '|---|---|', ...codes.map((c) => `| \`${c}\` | ${labels[c]} |`), ''].join('\n');
  return [
    table('Info request reasons (R5)', INFO_REQUEST_REASONS, REASON_LABELS),
    table('Rejection reasons (R8)', REJECTION_REASONS, REASON_LABELS),
    table('Partner request sub-reasons (R8, withdraw)', PARTNER_REQUEST_SUBREASONS, REASON_LABELS),
    table('Products', PRODUCTS, PRODUCT_LABELS),
    table('Activities', ACTIVITIES, ACTIVITY_LABELS),
  ].join('\n');
}

/** Markdown table comparing every policy side by side. */
export function renderPolicyTable(policies: readonly Policy[] = Object.values(POLICIES)): string {
  const fields: Array<[string, (p: Policy) => string]> = [
    ['Review start SLA (R3), business days', (p) => String(p.reviewStartSlaBusinessDays)],
    ['Decision SLA (R4), business days', (p) => String(p.decisionSlaBusinessDays)],
    ['Partner response (R6), business days', (p) => String(p.partnerResponseBusinessDays)],
    ['Dispute window (R9), calendar days', (p) => String(p.disputeWindowDays)],
    ['Dispute answer (R9), business days', (p) => String(p.disputeAnswerBusinessDays)],
    ['Customer consent window (R7), calendar days', (p) => String(p.consentWindowDays)],
    ['Editable states (R10)', (p) => p.editableStates.join(', ')],
    ['Editable fields (R10)', (p) => p.editableFields.join(', ')],
    ['Disputes per claim (R9)', (p) => (p.maxDisputes === null ? 'unlimited' : String(p.maxDisputes))],
  ];
  return [
    `| | ${policies.map((p) => `\`${p.id}\``).join(' | ')} |`,
    `|---|${policies.map(() => '---|').join('')}`,
    ...fields.map(([name, get]) => `| ${name} | ${policies.map(get).join(' | ')} |`),
  ].join('\n') + '\n';
}

/** Markdown table of every eligibility rules version: program and qualifying activities per product. */
export function renderEligibilityTable(all: readonly EligibilityRules[] = Object.values(ELIGIBILITY_RULES)): string {
  const rows = all.flatMap((rules) =>
    PRODUCTS.map((product) => {
      const rule = rules.products[product];
      const activities = rule ? rule.qualifyingActivities.map((a) => ACTIVITY_LABELS[a]).join(', ') : '(no program)';
      return `| \`${rules.version}\` | ${PRODUCT_LABELS[product]} | ${rule ? `${rule.program} (${rule.programName})` : '(none)'} | ${activities} |`;
    }),
  );
  return ['| rules version | product | program | qualifying activities |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}

/**
 * The generated blocks of docs/lifecycle.md, by name. Each sits in the file between
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`.
 */
export function renderLifecycleDocBlocks(): Record<string, string> {
  return {
    'state-diagram': '```mermaid\n' + renderStateDiagram() + '```\n',
    transitions: renderTransitionTable(),
    policies: renderPolicyTable(),
    reasons: renderReasonTables(),
    eligibility: renderEligibilityTable(),
  };
}
