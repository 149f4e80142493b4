import { randomUUID } from 'node:crypto';
import { messagingConfigFromEnv, MessagingAdmin } from '@cpor/messaging';
import { http } from './http.js';
import { getMessage, mailBaseUrl, type MailMessage } from './mailbox.js';
import type { RunningSystem } from './system.js';
import { waitFor } from './wait-for.js';

/**
 * Drives claims through the public interfaces of a running system (partner API in intake,
 * reviewer API in review) and reads what it sends (Mailpit's HTTP API, filtered by address:
 * the mailbox is shared by every test, so every address here carries the run id and a tag).
 */

/** A small but real PDF (intake sniffs the bytes). */
export const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n' +
    'trailer\n<< /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);

export interface ClaimFields {
  mpnId: string;
  customer: { tenantId: string; name: string; domain: string };
  customerContact: { name: string; email: string };
  partnerContact: { name: string; email: string };
  products: string[];
  workloads?: string[];
  activity: string;
  subscriptionOrTenantId: string;
  incentivesOptOut?: boolean;
}

export function claimFields(tag: string, overrides: Partial<ClaimFields> = {}): ClaimFields {
  return {
    mpnId: '7654321',
    customer: { tenantId: randomUUID(), name: `Northwind ${tag}`, domain: 'northwind.example' },
    customerContact: { name: 'Casey Customer', email: `customer-${tag}@northwind.example` },
    partnerContact: { name: 'Pat Partner', email: `partner-${tag}@fabrikam.example` },
    products: ['microsoft-365'],
    workloads: ['Exchange Online'],
    activity: 'deployment',
    subscriptionOrTenantId: randomUUID(),
    ...overrides,
  };
}

export type Claim = Record<string, any> & { id: string; version: number; status: string };

export class LifecycleDriver {
  private partnerToken?: string;
  private reviewerToken?: string;

  constructor(
    private readonly system: RunningSystem,
    readonly partnerId: string = `p-${system.runId}`,
    /** The organisation's display name the partner user's token carries (`partnerName`), if any. */
    private readonly partnerName?: string,
  ) {}

  async partner(): Promise<string> {
    return (this.partnerToken ??= await this.system.token({ sub: `partner-user-${this.system.runId}`, roles: ['incentives-admin'], partnerId: this.partnerId, partnerName: this.partnerName }));
  }

  async reviewer(): Promise<string> {
    return (this.reviewerToken ??= await this.system.token({ sub: `reviewer-${this.system.runId}`, roles: ['poe-reviewer'] }));
  }

  /** Creates a claim (Editing) and uploads one PDF as PoE. */
  async draft(fields: ClaimFields): Promise<Claim> {
    const token = await this.partner();
    const created = await http('POST', `${this.system.urls.intake}/v1/claims`, { token, body: fields });
    if (created.status !== 201) throw new Error(`create claim: ${created.status} ${created.text}`);
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'signed-sow.pdf');
    const uploaded = await http('POST', `${this.system.urls.intake}/v1/claims/${created.body.id}/poe`, { token, form });
    if (uploaded.status !== 200) throw new Error(`upload PoE: ${uploaded.status} ${uploaded.text}`);
    return uploaded.body;
  }

  /** Creates, uploads PoE and submits (R1, R2): the claim is Submitted. */
  async submitted(fields: ClaimFields): Promise<Claim> {
    const draft = await this.draft(fields);
    return this.expectOk(await http('POST', `${this.system.urls.intake}/v1/claims/${draft.id}/submit`, { token: await this.partner() }), 'submit');
  }

  /** Submitted, then a reviewer starts the review: UnderReview. */
  async underReview(fields: ClaimFields): Promise<Claim> {
    const claim = await this.submitted(fields);
    return this.review(claim.id, 'start');
  }

  /** Submitted, started and approved: Approved, and consent is requested shortly after. */
  async approved(fields: ClaimFields, comment = 'The PoE is signed by the customer'): Promise<Claim> {
    const claim = await this.underReview(fields);
    return this.review(claim.id, 'approve', { comment });
  }

  /** A reviewer action (`start`, `approve`, `reject`, `request-info`, `comments`) that must succeed. */
  async review(claimId: string, action: string, body?: unknown): Promise<Claim> {
    const response = await http('POST', `${this.system.urls.review}/v1/reviews/${claimId}/${action}`, { token: await this.reviewer(), body });
    return this.expectOk(response, `review ${action}`);
  }

  /** The claim's entry in the reviewers' queue (with its current SLA and due time). */
  async queueItem(claimId: string): Promise<Record<string, any> & { sla: { sla: string; dueAt: string } | null }> {
    const token = await this.reviewer();
    return waitFor(async () => {
      for (let offset = 0; ; offset += 200) {
        const page = await http('GET', `${this.system.urls.review}/v1/reviews/queue?limit=200&offset=${offset}`, { token });
        const items: Array<{ claimId: string }> = page.body?.items ?? [];
        const item = items.find((candidate) => candidate.claimId === claimId);
        if (item || items.length < 200) return item as never;
      }
    }, { message: `claim ${claimId} in the review queue` });
  }

  /** The claim as the partner sees it over HTTP. */
  async claim(claimId: string): Promise<Claim> {
    return this.expectOk(await http('GET', `${this.system.urls.intake}/v1/claims/${claimId}`, { token: await this.partner() }), 'get claim');
  }

  async history(claimId: string): Promise<Array<Record<string, any> & { action: string }>> {
    const response = await http('GET', `${this.system.urls.intake}/v1/claims/${claimId}/history`, { token: await this.partner() });
    return this.expectOk(response, 'get history').entries;
  }

  async historyActions(claimId: string): Promise<string[]> {
    return (await this.history(claimId)).map((entry) => entry.action);
  }

  /** Waits until the claim satisfies `ready` (read over the partner API). */
  async waitForClaim(claimId: string, ready: (claim: Claim) => boolean, message: string, timeoutMs = 30_000): Promise<Claim> {
    return waitFor(async () => {
      const claim = await this.claim(claimId);
      return ready(claim) ? claim : undefined;
    }, { message: `claim ${claimId}: ${message}`, timeoutMs });
  }

  /** Approved with the customer's consent window open (the consent service has requested consent). */
  async waitForConsentRequested(claimId: string): Promise<Claim & { consent: { deadline: string; requestedAt: string } }> {
    return this.waitForClaim(claimId, (claim) => claim.status === 'Approved' && !!claim.consent?.deadline, 'consent requested') as never;
  }

  /** The claim's history ends with the eligibility assessment. */
  async waitForHistoryAction(claimId: string, action: string, timeoutMs = 30_000): Promise<string[]> {
    return waitFor(async () => {
      const actions = await this.historyActions(claimId);
      return actions.includes(action) ? actions : undefined;
    }, { message: `claim ${claimId}: history action ${action}`, timeoutMs });
  }

  private expectOk(response: { status: number; body: any; text: string }, what: string): any {
    if (response.status !== 200) throw new Error(`${what}: ${response.status} ${response.text}`);
    return response.body;
  }
}

// ------------------------------------------------------------------------------------------------
// Mail (Mailpit's search API: summaries carry the Message-ID, which is deterministic per delivery)

export interface MailSummaryWithId {
  id: string;
  messageId: string;
  to: string[];
  subject: string;
  created: string;
}

interface ApiSearchPage {
  messages_count: number;
  messages: Array<{ ID: string; MessageID: string; To: Array<{ Address?: string }> | null; Subject: string; Created: string }> | null;
}

/** Every stored message with a recipient containing `fragment` (case-insensitive), oldest first. */
export async function mailsTo(fragment: string): Promise<MailSummaryWithId[]> {
  const out: MailSummaryWithId[] = [];
  const needle = fragment.toLowerCase();
  for (let start = 0; ; start += 250) {
    const url = `${mailBaseUrl()}/api/v1/search?query=${encodeURIComponent(`to:"${fragment}"`)}&start=${start}&limit=250`;
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`mailpit search ${url}: HTTP ${response.status}`);
    const page = (await response.json()) as ApiSearchPage;
    const items = page.messages ?? [];
    for (const m of items) {
      const to = (m.To ?? []).map((a) => a.Address ?? '').filter(Boolean);
      // The search matches substrings of names too; keep only real address matches.
      if (!to.some((address) => address.toLowerCase().includes(needle))) continue;
      out.push({ id: m.ID, messageId: m.MessageID, to, subject: m.Subject, created: m.Created });
    }
    if (items.length < 250 || start + items.length >= page.messages_count) break;
  }
  return out.sort((a, b) => a.created.localeCompare(b.created));
}

/** Waits until exactly-addressed mail to `address` satisfies `ready`; returns all of it (oldest first). */
export async function waitForMailTo(
  address: string,
  ready: (mails: MailSummaryWithId[]) => boolean,
  message: string,
  timeoutMs = 30_000,
): Promise<MailSummaryWithId[]> {
  return waitFor(async () => {
    const mails = (await mailsTo(address)).filter((m) => m.to.some((to) => to.toLowerCase() === address.toLowerCase()));
    return ready(mails) ? mails : undefined;
  }, { message: `mail to ${address}: ${message}`, timeoutMs });
}

/** Waits for one message to `address` whose subject matches, and returns it with its bodies. */
export async function waitForMail(address: string, subject: RegExp | string, timeoutMs = 30_000): Promise<MailMessage> {
  const matches = (s: string) => (typeof subject === 'string' ? s.includes(subject) : subject.test(s));
  const mails = await waitForMailTo(address, (all) => all.some((m) => matches(m.subject)), `subject ${subject}`, timeoutMs);
  const mail = await getMessage(mails.find((m) => matches(m.subject))!.id);
  // SMTP bodies travel with CRLF line ends; compare with plain newlines.
  return { ...mail, text: mail.text.replace(/\r\n/g, '\n'), html: mail.html.replace(/\r\n/g, '\n') };
}

/** How many messages each address holds. */
export function countByRecipient(mails: MailSummaryWithId[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const mail of mails) for (const to of mail.to) counts[to.toLowerCase()] = (counts[to.toLowerCase()] ?? 0) + 1;
  return counts;
}

/** Message-IDs that appear more than once (the same delivery sent twice). */
export function duplicateMessageIds(mails: MailSummaryWithId[]): string[] {
  const seen = new Map<string, number>();
  for (const mail of mails) seen.set(mail.messageId, (seen.get(mail.messageId) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}

/** The decline link in a consent email. */
export function consentLinkIn(text: string, consentBaseUrl: string): string {
  const escaped = consentBaseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}/v1/consent/[A-Za-z0-9_.-]+`).exec(text);
  if (!match) throw new Error(`no consent link (${consentBaseUrl}/v1/consent/...) in:\n${text}`);
  return match[0];
}

/**
 * A date as the emails show it (docs/notifications.md: the business time zone, default
 * America/New_York), e.g. "Friday, June 12, 2020 at 10:00 AM EDT".
 */
export function emailDate(iso: string, timeZone = 'America/New_York'): string {
  return new Intl.DateTimeFormat('en-US', {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  })
    .format(new Date(iso))
    .replace(/[\u202f\u00a0]/g, ' ');
}

// ------------------------------------------------------------------------------------------------
// Ops tooling against the run's prefixed topics and groups

/** The ops admin (`npm run ops` uses the same class) bound to this run's topic prefix. */
export function opsAdmin(system: RunningSystem): MessagingAdmin {
  return new MessagingAdmin(messagingConfigFromEnv('e2e-ops', { ...process.env, KAFKA_TOPIC_PREFIX: system.topicPrefix }));
}

/** Waits until the group has committed offsets on `topic` and no lag. */
export async function waitForNoLag(admin: MessagingAdmin, group: string, topic: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => {
    const rows = await admin.consumerLag(group, [topic]);
    return rows.length > 0 && rows.every((row) => row.committedOffset !== null || row.lag === 0) && rows.reduce((sum, row) => sum + row.lag, 0) === 0;
  }, { message: `consumer group ${group} caught up on ${topic}`, timeoutMs, intervalMs: 250 });
}

/** Prometheus counter value (summed over the matching label sets) from a service's /metrics. */
export async function metricValue(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${baseUrl}/metrics`);
  const text = await response.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const set = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => set.includes(`${key}="${value}"`))) sum += Number(match[3]);
  }
  return sum;
}
