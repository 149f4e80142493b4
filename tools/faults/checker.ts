import { createHash } from 'node:crypto';

/**
 * The fault suite's verdict, as a pure function of what an outsider can read: the raw records of
 * every topic (read from offset 0), the claims collection of the store, the SMTP server's
 * messages, and what the driver did. It uses none of the services' code: the rules it applies are
 * the documented contracts (docs/topics.md, docs/lifecycle.md, docs/notifications.md).
 *
 * Every finding has a stable key, so a runner that checks after each scenario can attribute to a
 * scenario what is new since the previous check (see `newFindings`).
 */

/** One record of `cpor.claim-events.v1`, headers only. */
export interface EventRecord {
  partition: number;
  offset: string;
  /** ce_id */
  id: string;
  type: string;
  /** The record's key (= ce_subject = claimId). */
  claimId: string;
  /** ce_claimversion, when present. */
  version?: number;
  /** ce_causationid, when present. */
  causationId?: string;
}

/** One record of `cpor.claim-eligibility.v1`. */
export interface AssessmentRecord {
  partition: number;
  offset: string;
  id: string;
  claimId: string;
}

/** One record of a dead-letter topic `<topic>.<group>.dlq` (headers only). */
export interface DeadLetterRecord {
  dlqTopic: string;
  partition: number;
  offset: string;
  sourceTopic?: string;
  sourcePartition?: string;
  sourceOffset?: string;
}

/** One record of `cpor.claim-requests.rejected.v1`. */
export interface RejectionRecord {
  partition: number;
  offset: string;
  id: string;
}

export interface HistoryItem {
  action: string;
  version?: number;
  actorKind?: string;
  details?: Record<string, unknown>;
}

/** What the checker needs of a claim document (the `claims` collection, read raw). */
export interface StoredClaim {
  id: string;
  partnerId?: string;
  status: string;
  /** The claim's version: its log's newest row. */
  version: number;
  /** The version of its snapshot document (`claims`): lower when the snapshot lags the log. */
  snapshotVersion?: number;
  rejectionReason?: string;
  eligibilityAssessed: boolean;
  history: HistoryItem[];
  appliedCommandIds: string[];
}

export interface Email {
  to: string[];
  subject: string;
  /** Message-ID as the mail server reports it. */
  messageId: string;
}

/** What the driver took a claim to. */
export interface ClaimTarget {
  status: 'Approved' | 'Rejected';
  rejectionReason?: string;
  /** The claim must have its eligibility recorded (the consent window passed). */
  eligibility?: boolean;
  /**
   * History actions that must be there, with how many times (the driver's own requests and the
   * system's reactions to them: consent request, window elapsed, eligibility, expiry, SLA breach).
   */
  actions: Record<string, number>;
}

export interface DrivenClaim {
  claimId: string;
  /** The scenario run that drove it (`<scenario>#<n>`). */
  run: string;
  path: string;
  /** The service answered the create (HTTP 201/200) or the broker acknowledged the upstream request. */
  accepted: boolean;
  target: ClaimTarget;
  /**
   * How many times the driver's requests of each kind were applied (`actionKey`): at most that
   * many of them may be in the history.
   */
  driverActions: Record<string, number>;
  customerEmail: string;
  partnerEmail: string;
}

export interface CheckerInput {
  events: EventRecord[];
  assessments: AssessmentRecord[];
  deadLetters: DeadLetterRecord[];
  rejections: RejectionRecord[];
  claims: StoredClaim[];
  emails: Email[];
  driven: DrivenClaim[];
  /** Partner ids the driver used: a claim of theirs the driver did not make is a create applied twice. */
  partnerIds: string[];
  /** Addresses of the shared mailboxes (SLA breaches). */
  reviewersEmail: string;
  opsEmail: string;
}

export type DuplicateKind = 'event' | 'command' | 'assessment' | 'history' | 'email' | 'claim';

export interface CheckResult {
  /** Claim ids the driver got accepted. */
  accepted: string[];
  /** claimId -> why it is not where the driver took it. */
  lost: Map<string, string>;
  /** `<kind>:<what>` -> extra copies (a transition applied twice, an event under two ids, ...). */
  duplicates: Map<string, number>;
  /** `<claimId>|<template>|<recipient>` -> copies of one message (same Message-ID) beyond the first. */
  smtpHandoffRepeats: Map<string, number>;
  /** Dead letters, one key per source record and DLQ. */
  deadLetters: Set<string>;
  /** Rejections of upstream requests, one key per ce_id. */
  rejections: Set<string>;
  /** claimId -> claim versions the store has and `cpor.claim-events.v1` does not. */
  eventsMissing: Map<string, number>;
  /** `<claimId>|<template>|<recipient>` -> emails the claim's history calls for and the mail server does not have. */
  emailsMissing: Map<string, number>;
  /** Messages no rule explains (a subject of no known template, or of no claim of the run). */
  unexpectedEmails: number;
  /** Claims whose snapshot document lags their transition log (the log is the claim; lists and queues read the snapshot). */
  snapshotsBehind: Set<string>;
}

// ------------------------------------------------------------------------------------------------
// History actions

/** The history key of an action: comments are counted by who wrote them (an upstream system is the partner). */
export function actionKey(action: string, actorKind?: string): string {
  if (action !== 'comment') return action;
  const kind = actorKind === 'upstream' ? 'partner' : (actorKind ?? 'unknown');
  return `comment:${kind}`;
}

function countActions(history: HistoryItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of history) {
    const key = actionKey(item.action, item.actorKind);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Reactions of the system that may happen once per approval (between two approvals). */
const ONCE_PER_APPROVAL = ['requestConsent', 'declineConsent', 'elapseConsent', 'recordEligibility'];

/** Transitions applied twice, judged from the history alone (whoever caused them). */
function historyDuplicates(claim: StoredClaim, driven: DrivenClaim | undefined, add: (key: string, extra: number) => void): void {
  // The driver's requests: each applied at most as often as the driver got it applied.
  if (driven) {
    const counts = countActions(claim.history);
    for (const [key, sent] of Object.entries(driven.driverActions)) {
      if ((counts[key] ?? 0) > sent) add(`history:${claim.id}:${key}`, (counts[key] ?? 0) - sent);
    }
  }
  // The system's reactions: once per approval, an expiry once per info request, a breach once per SLA and epoch.
  let segment = 0;
  const seen = new Map<string, number>();
  const bump = (key: string) => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n > 1) add(`history:${claim.id}:${key}`, 1);
  };
  for (const item of claim.history) {
    if (item.action === 'approve' || item.action === 'requestInfo') segment++;
    if (ONCE_PER_APPROVAL.includes(item.action) || item.action === 'expirePartnerResponse') bump(`${item.action}#${segment}`);
    if (item.action === 'recordSlaBreach') {
      const d = item.details ?? {};
      bump(`recordSlaBreach:${String(d.sla)}:${String(d.statusEpoch)}:${String(d.disputeId ?? '')}`);
    }
  }
  // A version recorded twice, a command id applied twice.
  const versions = new Map<number, number>();
  for (const item of claim.history) if (item.version !== undefined) versions.set(item.version, (versions.get(item.version) ?? 0) + 1);
  for (const [version, n] of versions) if (n > 1) add(`history:${claim.id}:version-${version}`, n - 1);
  const commands = new Map<string, number>();
  for (const id of claim.appliedCommandIds) commands.set(id, (commands.get(id) ?? 0) + 1);
  for (const [id, n] of commands) if (n > 1) add(`history:${claim.id}:command-${id}`, n - 1);
}

/** Why the claim is not at the driver's target, or undefined when it is. */
export function missedTarget(claim: StoredClaim | undefined, target: ClaimTarget): string | undefined {
  if (!claim) return 'not in the store';
  if (claim.status !== target.status) return `status ${claim.status}, expected ${target.status}`;
  if (target.rejectionReason && claim.rejectionReason !== target.rejectionReason) {
    return `rejection reason ${claim.rejectionReason ?? 'none'}, expected ${target.rejectionReason}`;
  }
  if (target.eligibility && !claim.eligibilityAssessed) return 'eligibility not recorded';
  const counts = countActions(claim.history);
  const missing = Object.entries(target.actions)
    .filter(([key, n]) => (counts[key] ?? 0) < n)
    .map(([key, n]) => `${key} ${counts[key] ?? 0}/${n}`);
  return missing.length > 0 ? `history lacks ${missing.join(', ')}` : undefined;
}

// ------------------------------------------------------------------------------------------------
// Emails (docs/notifications.md: which event sends what to whom)

export type Template =
  | 'claim-submitted'
  | 'review-started'
  | 'info-requested'
  | 'reviewer-comment'
  | 'claim-approved'
  | 'consent-request'
  | 'eligibility-assessment-started'
  | 'claim-rejected'
  | 'dispute-received'
  | 'dispute-decided'
  | 'sla-breached';

const SUBJECTS: Array<[Template, RegExp]> = [
  ['claim-submitted', /^CPOR claim (\S+) for .* received$/],
  ['review-started', /^Review started: CPOR claim (\S+) for /],
  ['info-requested', /^Action required: CPOR claim (\S+) for .* needs more information$/],
  ['reviewer-comment', /^New reviewer comment on CPOR claim (\S+) for /],
  ['claim-approved', /^Approved: CPOR claim (\S+) for /],
  ['consent-request', /^Partner of record association for .*: decline before /],
  ['eligibility-assessment-started', /^CPOR claim (\S+) for .* sent to eligibility assessment$/],
  ['claim-rejected', /^Rejected: CPOR claim (\S+) for /],
  ['dispute-received', /^Dispute received: CPOR claim (\S+) for /],
  ['dispute-decided', /^Dispute (?:accepted|declined): CPOR claim (\S+) for /],
  ['sla-breached', /^SLA breached: CPOR claim (\S+) /],
];

/** The template of a subject and the claim id it names (none for the customer's consent email). */
export function classifySubject(subject: string): { template: Template; claimId?: string } | undefined {
  for (const [template, pattern] of SUBJECTS) {
    const match = pattern.exec(subject);
    if (match) return { template, claimId: match[1] };
  }
  return undefined;
}

type Contacts = { partner: string; customer: string; reviewers: string; ops: string };

/** What each history action sends, in order: (template, recipient) pairs, by `actionKey` (only a reviewer's comment sends one). */
const EMAILS_OF_ACTION = new Map<string, Array<[Template, keyof Contacts]>>([
  ['submit', [['claim-submitted', 'partner']]],
  ['startReview', [['review-started', 'partner']]],
  ['requestInfo', [['info-requested', 'partner']]],
  ['comment:reviewer', [['reviewer-comment', 'partner']]],
  ['requestConsent', [['claim-approved', 'partner'], ['consent-request', 'customer']]],
  ['elapseConsent', [['eligibility-assessment-started', 'partner']]],
  ['reject', [['claim-rejected', 'partner']]],
  ['withdraw', [['claim-rejected', 'partner']]],
  ['declineConsent', [['claim-rejected', 'partner']]],
  ['expirePartnerResponse', [['claim-rejected', 'partner']]],
  ['dispute', [['dispute-received', 'partner']]],
  ['decideDispute', [['dispute-decided', 'partner']]],
  ['recordSlaBreach', [['sla-breached', 'reviewers'], ['sla-breached', 'ops']]],
]);

/** The emails a claim's history calls for: `<template>|<recipient>` -> count. */
export function expectedEmails(claim: StoredClaim, contacts: Contacts): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of claim.history) {
    for (const [template, recipient] of EMAILS_OF_ACTION.get(actionKey(item.action, item.actorKind)) ?? []) {
      const key = `${template}|${contacts[recipient].toLowerCase()}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// The check

function distinct<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

export function check(input: CheckerInput): CheckResult {
  const duplicates = new Map<string, number>();
  const addDuplicate = (key: string, extra: number) => duplicates.set(key, (duplicates.get(key) ?? 0) + extra);
  const claims = new Map(input.claims.map((claim) => [claim.id, claim]));
  const driven = new Map(input.driven.map((claim) => [claim.claimId, claim]));
  const accepted = input.driven.filter((claim) => claim.accepted);

  // A record read twice (a consumer re-fetching a batch) is one record; a record republished with
  // its ce_id (a duplicate, a redrive) is one event.
  const records = distinct(input.events, (r) => `${r.partition}@${r.offset}`);
  const events = distinct(records, (r) => r.id);

  // One transition (claim, version) published under two event ids.
  const idsByVersion = new Map<string, Set<string>>();
  for (const event of events) {
    if (event.version === undefined) continue;
    const key = `${event.claimId}:${event.version}`;
    if (!idsByVersion.has(key)) idsByVersion.set(key, new Set());
    idsByVersion.get(key)!.add(event.id);
  }
  for (const [key, ids] of idsByVersion) if (ids.size > 1) addDuplicate(`event:${key}`, ids.size - 1);

  // One command (its causation id) published twice, as two events of one type. Two ids of one
  // transition are counted above already: count distinct versions here (events are distinct by id).
  const versionsByCommand = new Map<string, Set<number | string>>();
  for (const event of events) {
    if (!event.causationId) continue;
    const key = `${event.claimId}:${event.type}:${event.causationId}`;
    if (!versionsByCommand.has(key)) versionsByCommand.set(key, new Set());
    versionsByCommand.get(key)!.add(event.version ?? event.id);
  }
  for (const [key, versions] of versionsByCommand) if (versions.size > 1) addDuplicate(`command:${key}`, versions.size - 1);

  // Assessments: one per recorded eligibility.
  const assessments = distinct(distinct(input.assessments, (r) => `${r.partition}@${r.offset}`), (r) => r.id);
  const assessmentsByClaim = new Map<string, AssessmentRecord[]>();
  for (const record of assessments) assessmentsByClaim.set(record.claimId, [...(assessmentsByClaim.get(record.claimId) ?? []), record]);
  for (const [claimId, list] of assessmentsByClaim) {
    const recorded = claims.get(claimId)?.history.filter((h) => h.action === 'recordEligibility').length ?? 0;
    const extra = list.length - Math.max(1, recorded);
    if (extra > 0) addDuplicate(`assessment:${claimId}`, extra);
  }

  // The store: transitions applied twice; claims nobody asked for.
  for (const claim of input.claims) historyDuplicates(claim, driven.get(claim.id), addDuplicate);
  const partners = new Set(input.partnerIds);
  for (const claim of input.claims) {
    if (!driven.has(claim.id) && claim.partnerId !== undefined && partners.has(claim.partnerId)) addDuplicate(`claim:${claim.id}`, 1);
  }

  // Lost: accepted and not where the driver took it.
  const lost = new Map<string, string>();
  for (const claim of accepted) {
    const why = missedTarget(claims.get(claim.claimId), claim.target);
    if (why) lost.set(claim.claimId, why);
  }

  // Every version of an accepted claim is on the lifecycle topic.
  const versionsOnTopic = new Map<string, Set<number>>();
  for (const event of events) {
    if (event.version === undefined) continue;
    if (!versionsOnTopic.has(event.claimId)) versionsOnTopic.set(event.claimId, new Set());
    versionsOnTopic.get(event.claimId)!.add(event.version);
  }
  const eventsMissing = new Map<string, number>();
  for (const { claimId } of accepted) {
    const claim = claims.get(claimId);
    if (!claim) continue;
    const onTopic = versionsOnTopic.get(claimId) ?? new Set<number>();
    let missing = 0;
    for (let v = 1; v <= claim.version; v++) if (!onTopic.has(v)) missing++;
    if (missing > 0) eventsMissing.set(claimId, missing);
  }

  // Emails: what each claim's history calls for, against what the mail server holds.
  const byCustomer = new Map(input.driven.map((claim) => [claim.customerEmail.toLowerCase(), claim.claimId]));
  const copies = new Map<string, Map<string, number>>(); // key -> Message-ID -> copies
  let unexpectedEmails = 0;
  for (const email of input.emails) {
    const kind = classifySubject(email.subject);
    for (const raw of email.to) {
      const to = raw.toLowerCase();
      const claimId = kind?.claimId ?? (kind?.template === 'consent-request' ? byCustomer.get(to) : undefined);
      if (!kind || !claimId || !driven.has(claimId)) {
        unexpectedEmails++;
        continue;
      }
      const key = `${claimId}|${kind.template}|${to}`;
      if (!copies.has(key)) copies.set(key, new Map());
      const ids = copies.get(key)!;
      ids.set(email.messageId, (ids.get(email.messageId) ?? 0) + 1);
    }
  }
  const emailsMissing = new Map<string, number>();
  const smtpHandoffRepeats = new Map<string, number>();
  const expected = new Map<string, number>();
  for (const claim of input.driven) {
    const stored = claims.get(claim.claimId);
    if (!stored) continue;
    const contacts = { partner: claim.partnerEmail, customer: claim.customerEmail, reviewers: input.reviewersEmail, ops: input.opsEmail };
    for (const [key, n] of expectedEmails(stored, contacts)) expected.set(`${claim.claimId}|${key}`, n);
  }
  for (const [key, ids] of copies) {
    const distinctIds = ids.size;
    const total = [...ids.values()].reduce((sum, n) => sum + n, 0);
    if (total > distinctIds) smtpHandoffRepeats.set(key, total - distinctIds);
    const want = expected.get(key) ?? 0;
    if (distinctIds > want) addDuplicate(`email:${key}`, distinctIds - want);
  }
  for (const [key, want] of expected) {
    const have = copies.get(key)?.size ?? 0;
    if (have < want) emailsMissing.set(key, want - have);
  }

  const deadLetters = new Set(
    input.deadLetters.map((l) => (l.sourceTopic !== undefined ? `${l.dlqTopic}|${l.sourceTopic}:${l.sourcePartition}@${l.sourceOffset}` : `${l.dlqTopic}|${l.partition}@${l.offset}`)),
  );
  const rejections = new Set(input.rejections.map((r) => r.id));

  return {
    accepted: accepted.map((claim) => claim.claimId),
    lost,
    duplicates,
    smtpHandoffRepeats,
    deadLetters,
    rejections,
    eventsMissing,
    emailsMissing,
    unexpectedEmails,
    snapshotsBehind: new Set(input.claims.filter((c) => c.snapshotVersion !== undefined && c.snapshotVersion < c.version).map((c) => c.id)),
  };
}

// ------------------------------------------------------------------------------------------------
// Attribution: what is new since the previous check

function sumNew(now: Map<string, number>, before: Map<string, number> | undefined): number {
  let sum = 0;
  for (const [key, n] of now) sum += Math.max(0, n - (before?.get(key) ?? 0));
  return sum;
}

export interface Findings {
  lost: number;
  lostClaims: Array<{ claimId: string; why: string }>;
  duplicateEffects: number;
  duplicatesByKind: Record<DuplicateKind, number>;
  duplicateKeys: string[];
  smtpHandoffRepeats: number;
  deadLettered: number;
  rejected: number;
  eventsMissing: number;
  emailsMissing: number;
  emailsMissingKeys: string[];
}

/**
 * What `now` has that `before` had not: claims lost since (a claim lost before and still lost is
 * not counted again), duplicates and dead letters added since. `before` undefined: everything.
 */
export function newFindings(now: CheckResult, before?: CheckResult): Findings {
  const lostClaims = [...now.lost].filter(([claimId]) => !before?.lost.has(claimId)).map(([claimId, why]) => ({ claimId, why }));
  const duplicatesByKind: Record<DuplicateKind, number> = { event: 0, command: 0, assessment: 0, history: 0, email: 0, claim: 0 };
  const duplicateKeys: string[] = [];
  for (const [key, n] of now.duplicates) {
    const extra = Math.max(0, n - (before?.duplicates.get(key) ?? 0));
    if (extra === 0) continue;
    duplicatesByKind[key.slice(0, key.indexOf(':')) as DuplicateKind] += extra;
    duplicateKeys.push(key);
  }
  const emailsMissingKeys = [...now.emailsMissing.keys()].filter((key) => !before?.emailsMissing.has(key));
  return {
    lost: lostClaims.length,
    lostClaims,
    duplicateEffects: Object.values(duplicatesByKind).reduce((sum, n) => sum + n, 0),
    duplicatesByKind,
    duplicateKeys,
    smtpHandoffRepeats: sumNew(now.smtpHandoffRepeats, before?.smtpHandoffRepeats),
    deadLettered: [...now.deadLetters].filter((key) => !before?.deadLetters.has(key)).length,
    rejected: [...now.rejections].filter((key) => !before?.rejections.has(key)).length,
    eventsMissing: sumNew(now.eventsMissing, before?.eventsMissing),
    emailsMissing: sumNew(now.emailsMissing, before?.emailsMissing),
    emailsMissingKeys,
  };
}

// ------------------------------------------------------------------------------------------------
// The full replay's claim hash

/** JSON with object keys sorted at every level (dates as ISO strings): equal documents, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const json = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function' && !(Object.getPrototypeOf(value) === Object.prototype)) return canonicalJson(json.call(value));
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** One hash of every claim document (ordered by id), and one per claim (to name the changed ones). */
export function hashClaims(documents: Array<{ _id: unknown; [field: string]: unknown }>): { hash: string; perClaim: Map<string, string> } {
  const perClaim = new Map<string, string>();
  for (const doc of documents) perClaim.set(String(doc._id), createHash('sha256').update(canonicalJson(doc)).digest('hex'));
  const all = createHash('sha256');
  for (const id of [...perClaim.keys()].sort()) all.update(`${id}=${perClaim.get(id)}\n`);
  return { hash: all.digest('hex'), perClaim };
}

/** Claims whose hash differs (or that appeared or vanished) between two snapshots. */
export function changedClaims(before: Map<string, string>, after: Map<string, string>): string[] {
  const ids = new Set([...before.keys(), ...after.keys()]);
  return [...ids].filter((id) => before.get(id) !== after.get(id)).sort();
}
