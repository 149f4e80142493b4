/**
 * Tiny typed client for the local mail server's HTTP API (Mailpit, see scripts/infra.mjs).
 *
 * Uses the global fetch only. Base URL: env MAIL_HTTP_URL, default http://127.0.0.1:8025.
 *
 *   await deleteAll();
 *   // ... act ...
 *   const [mail] = await waitForMessages((m) => m.to.includes('ada@example.test'), { timeoutMs: 10_000 });
 */

export interface MailMessage {
  id: string;
  /** Sender address (no display name). */
  from: string;
  /** Recipient addresses (no display names). */
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface MailSummary {
  id: string;
  from: string;
  to: string[];
  subject: string;
  /** ISO timestamp of reception. */
  created: string;
}

export interface WaitOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Resolve once at least this many messages match (default 1). */
  count?: number;
  /** Delay between polls in milliseconds (default 100). */
  intervalMs?: number;
}

interface ApiAddress {
  Name?: string;
  Address?: string;
}

interface ApiSummary {
  ID: string;
  From: ApiAddress | null;
  To: ApiAddress[] | null;
  Subject: string;
  Created: string;
}

interface ApiMessagesPage {
  total: number;
  messages_count: number;
  start: number;
  messages: ApiSummary[] | null;
}

interface ApiMessage {
  ID: string;
  From: ApiAddress | null;
  To: ApiAddress[] | null;
  Subject: string;
  Text: string;
  HTML: string;
}

const PAGE_SIZE = 250;
const REQUEST_TIMEOUT_MS = 5_000;

export function mailBaseUrl(): string {
  return (process.env['MAIL_HTTP_URL'] ?? 'http://127.0.0.1:8025').replace(/\/+$/, '');
}

async function request(method: 'GET' | 'DELETE', path: string): Promise<Response> {
  const url = `${mailBaseUrl()}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `mailbox: ${method} ${url} failed (${reason}); is the mail server up? (node scripts/infra.mjs up)`,
      { cause: err },
    );
  }
  if (!res.ok) {
    const body = await res.text().catch(() => '');
    throw new Error(`mailbox: ${method} ${url} -> HTTP ${res.status} ${body.slice(0, 200)}`);
  }
  return res;
}

function address(a: ApiAddress | null | undefined): string {
  return a?.Address ?? '';
}

function addresses(list: ApiAddress[] | null | undefined): string[] {
  return (list ?? []).map(address).filter((s) => s !== '');
}

/** All stored messages, newest first (summaries: no bodies). */
export async function listMessages(): Promise<MailSummary[]> {
  const out: MailSummary[] = [];
  for (let start = 0; ; start += PAGE_SIZE) {
    const res = await request('GET', `/api/v1/messages?start=${start}&limit=${PAGE_SIZE}`);
    const page = (await res.json()) as ApiMessagesPage;
    const items = page.messages ?? [];
    for (const m of items) {
      out.push({
        id: m.ID,
        from: address(m.From),
        to: addresses(m.To),
        subject: m.Subject,
        created: m.Created,
      });
    }
    if (items.length < PAGE_SIZE || out.length >= page.messages_count) return out;
  }
}

/** One message with its text and HTML bodies. */
export async function getMessage(id: string): Promise<MailMessage> {
  const res = await request('GET', `/api/v1/message/${encodeURIComponent(id)}`);
  const m = (await res.json()) as ApiMessage;
  return {
    id: m.ID,
    from: address(m.From),
    to: addresses(m.To),
    subject: m.Subject,
    text: m.Text,
    html: m.HTML,
  };
}

/** Delete every stored message. */
export async function deleteAll(): Promise<void> {
  await request('DELETE', '/api/v1/messages');
}

/**
 * Poll until at least `count` messages satisfy `predicate`, or fail at the deadline.
 * Resolves with the matching messages, oldest first. Messages are fetched once each.
 */
export async function waitForMessages(
  predicate: (m: MailMessage) => boolean = () => true,
  options: WaitOptions = {},
): Promise<MailMessage[]> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const count = options.count ?? 1;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<string, MailMessage>();
  let matches: MailMessage[];

  for (;;) {
    const summaries = await listMessages();
    const fresh = summaries.filter((s) => !seen.has(s.id)).map((s) => s.id);
    for (let i = 0; i < fresh.length; i += 16) {
      const batch = await Promise.all(fresh.slice(i, i + 16).map((id) => getMessage(id)));
      for (const m of batch) seen.set(m.id, m);
    }
    const live = new Set(summaries.map((s) => s.id));
    matches = summaries
      .slice()
      .reverse()
      .map((s) => seen.get(s.id))
      .filter((m): m is MailMessage => m !== undefined && live.has(m.id) && predicate(m));
    if (matches.length >= count) return matches;

    const left = deadline - Date.now();
    if (left <= 0) break;
    await new Promise<void>((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }

  const subjects = [...seen.values()].map((m) => `"${m.subject}" -> ${m.to.join(',')}`);
  throw new Error(
    `mailbox: expected ${count} matching message(s) within ${timeoutMs} ms, got ${matches.length}; ` +
      `mailbox holds ${seen.size}: ${subjects.slice(0, 10).join('; ') || '(empty)'}`,
  );
}
