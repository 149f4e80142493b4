import { type CloudEvent, type LifecycleEventData, EVENT_TYPES, TOPICS, typesOn } from '@cpor/contracts';
import { type RecipientRole, ACTIVITY_LABELS, POLICIES, PRODUCT_LABELS, REASON_LABELS, STATUS_LABELS, isDisputableReason, mayDispute, type ClaimState, type SlaKind } from '@cpor/domain';

/**
 * Which lifecycle event sends which email to whom. Pure: no I/O, no clock; the same event
 * always plans the same messages, which is what makes redelivery safe.
 */

export const TEMPLATE_NAMES = [
  'claim-submitted',
  'review-started',
  'info-requested',
  'claim-approved',
  'consent-request',
  'claim-rejected',
  'claim-rejected-final',
  'dispute-received',
  'dispute-overturned',
  'dispute-sustained',
  'reviewer-comment',
  'eligibility-assessment-started',
  'sla-breached',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];


export interface Recipient {
  role: RecipientRole;
  email: string;
  name?: string;
}

export type TemplateVariables = Record<string, string>;

export interface PlannedMessage {
  template: TemplateName;
  recipient: Recipient;
  variables: TemplateVariables;
}

export interface PlanContext {
  /** Partner-facing claim links are `${claimsBaseUrl}/${claimId}`. */
  claimsBaseUrl: string;
  reviewersEmail: string;
  opsEmail: string;
  /** Time zone dates are shown in (the business calendar's). */
  timeZone: string;
  /** The customer's decline link for the consent window ending at `deadline` (a secret: never log it). */
  consentLink(claim: ClaimState, deadline: string): string;
}

/** The event types that send something: notifications' row of SUBSCRIPTIONS (libs/contracts). */
export const NOTIFYING_EVENT_TYPES = typesOn('notifications', TOPICS.claimEvents);

const SLA_LABELS: Record<SlaKind, string> = {
  'review-start': 'Review start (R3): the review did not start in time',
  decision: 'Review decision (R4): no decision was made in time',
  'dispute-answer': 'Dispute answer (R9): the dispute was not answered in time',
};

const NO_DATE = '(date not available)';

export function planNotifications(event: CloudEvent<LifecycleEventData>, ctx: PlanContext): PlannedMessage[] {
  const data = event.data;
  const claim = data?.claim;
  if (!claim) return [];
  const date = (value: unknown) => formatDate(value, ctx.timeZone);
  const base: TemplateVariables = {
    claimId: claim.id,
    customerName: claim.customer.name,
    customerDomain: claim.customer.domain,
    mpnId: claim.mpnId,
    products: claim.products.map((p) => PRODUCT_LABELS[p] ?? p).join(', '),
    activity: ACTIVITY_LABELS[claim.activity] ?? claim.activity,
    claimUrl: `${ctx.claimsBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(claim.id)}`,
  };
  const partner: Recipient = { role: 'partner', email: claim.partnerContact.email, name: claim.partnerContact.name };
  const toPartner = (template: TemplateName, variables: TemplateVariables = {}): PlannedMessage =>
    message(template, partner, { ...base, ...variables });

  const planned = ((): PlannedMessage[] => {
    switch (event.type) {
      case EVENT_TYPES.submitted:
        return [
          toPartner('claim-submitted', {
            submittedAs: data.resubmission === true ? 'resubmitted with the information you provided' : 'submitted for review',
            reviewStartDueAt: date(data.reviewStartDueAt),
          }),
        ];
      case EVENT_TYPES.reviewStarted:
        return [toPartner('review-started', { decisionDueAt: date(data.decisionDueAt) })];
      case EVENT_TYPES.infoRequested: {
        const reasons = stringList(data.reasons ?? claim.infoRequest?.reasons);
        return [
          toPartner('info-requested', {
            reasons: reasons.map((r) => `- ${REASON_LABELS[r] ?? r}`).join('\n'),
            comment: text(data.comment ?? claim.infoRequest?.comment) || 'No comment.',
            dueAt: date(data.dueAt ?? claim.infoRequest?.dueAt),
          }),
        ];
      }
      case EVENT_TYPES.rejected:
        return [rejectionMessage(data, claim, toPartner, date)];
      case EVENT_TYPES.disputed:
        return [toPartner('dispute-received', { disputeId: text(data.disputeId), answerDueAt: date(data.dueAt) })];
      case EVENT_TYPES.disputeDecided: {
        const comment = text(data.comment) || 'No comment.';
        if (data.decision === 'overturned') {
          return [toPartner('dispute-overturned', { disputeId: text(data.disputeId), comment, decisionDueAt: date(data.decisionDueAt) })];
        }
        return [toPartner('dispute-sustained', { disputeId: text(data.disputeId), comment, nextSteps: afterSustainedDispute(claim, event.time, date) })];
      }
      case EVENT_TYPES.commented:
        // R11: partners hear about reviewer comments; their own comments send nothing.
        if ((data.actor?.kind ?? data.authorKind) !== 'reviewer') return [];
        return [toPartner('reviewer-comment', { comment: text(data.text) })];
      case EVENT_TYPES.slaBreached: {
        const sla = data.sla as SlaKind;
        const variables: TemplateVariables = {
          ...base,
          sla: SLA_LABELS[sla] ?? String(sla),
          dueAt: date(data.dueAt),
          status: STATUS_LABELS[claim.status] ?? claim.status,
        };
        return [
          message('sla-breached', { role: 'reviewers', email: ctx.reviewersEmail, name: 'PoE reviewers' }, variables),
          message('sla-breached', { role: 'ops', email: ctx.opsEmail, name: 'CPOR operations' }, variables),
        ];
      }
      case EVENT_TYPES.consentRequested: {
        const deadline = text(data.deadline ?? claim.consent?.deadline);
        if (!deadline) return [];
        const customer: Recipient = { role: 'customer', email: claim.customerContact.email, name: claim.customerContact.name };
        return [
          // R7: the approval email waits for the consent request, the moment the decline deadline is known.
          toPartner('claim-approved', { consentDeadline: date(deadline) }),
          message('consent-request', customer, {
            ...base,
            // The organisation's name when the claim has one (from its creator's token), else the plain wording.
            partnerLabel: claim.partnerName ? `The partner ${claim.partnerName}` : 'A partner',
            partnerContactName: claim.partnerContact.name,
            partnerContactEmail: claim.partnerContact.email,
            deadline: date(deadline),
            declineLink: ctx.consentLink(claim, deadline),
          }),
        ];
      }
      case EVENT_TYPES.consentPeriodElapsed:
        return [toPartner('eligibility-assessment-started', { consentDeadline: date(data.deadline ?? claim.consent?.deadline) })];
      default:
        return [];
    }
  })();
  // A contact without an address cannot be written to; the claim's validation should prevent it.
  return planned.filter((m) => m.recipient.email.trim() !== '');
}

function message(template: TemplateName, recipient: Recipient, variables: TemplateVariables): PlannedMessage {
  return { template, recipient, variables: { ...variables, recipientName: recipient.name || 'there' } };
}

function rejectionMessage(
  data: LifecycleEventData,
  claim: ClaimState,
  toPartner: (template: TemplateName, variables?: TemplateVariables) => PlannedMessage,
  date: (value: unknown) => string,
): PlannedMessage {
  const reason = text(data.reason ?? claim.rejection?.reason);
  const subReason = text(data.subReason ?? claim.rejection?.subReason);
  const comment = text(data.comment ?? claim.rejection?.comment);
  const notes = [subReason ? REASON_LABELS[subReason] ?? subReason : '', comment ? `Comment: ${comment}` : ''].filter(Boolean).join('\n');
  const variables = { reason: REASON_LABELS[reason] ?? reason, notes: notes || 'No further comment.' };
  const disputable = typeof data.disputable === 'boolean' ? data.disputable : isDisputableReason(reason);
  // R8: partner-requested and customer-declined rejections cannot be disputed, so no dispute text.
  if (!disputable) return toPartner('claim-rejected-final', variables);
  return toPartner('claim-rejected', { ...variables, disputeUntil: date(data.disputeUntil ?? claim.rejection?.disputeUntil) });
}

/** After a sustained dispute: another dispute if the domain allows one (R9), else a new claim. */
function afterSustainedDispute(claim: ClaimState, at: string, date: (value: unknown) => string): string {
  const policy = Object.hasOwn(POLICIES, claim.policyId) ? POLICIES[claim.policyId] : undefined;
  if (policy && mayDispute(claim, policy, new Date(at))) {
    return `If you have new information, you can open another dispute before ${date(claim.rejection!.disputeUntil)}. After that, only a new claim is possible.`;
  }
  return 'This claim cannot be disputed again. To pursue the association, create a new claim with updated proof of execution.';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than formatting with one. */
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormatIn(timeZone: string): Intl.DateTimeFormat {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' });
    dateFormats.set(timeZone, format);
  }
  return format;
}

/** A date as people read it, in the calendar's time zone, e.g. "Monday, June 8, 2020 at 12:00 AM EDT". */
export function formatDate(value: unknown, timeZone: string): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) return NO_DATE;
  const formatted = dateFormatIn(timeZone).format(new Date(value));
  // Newer ICU puts a narrow no-break space before AM/PM; plain text mail reads better without it.
  return formatted.replace(/[\u202f\u00a0]/g, ' ');
}
