/**
 * The SMTP server's HTTP API (Mailpit, `/api/v1`): what arrived, as the receiving side sees it.
 * Every address a run uses carries the run's tag, so a search by tag finds the run's messages
 * and nothing else of a shared mail server.
 */

export interface MailSummary {
  id: string;
  /** The Message-ID header (without angle brackets, as Mailpit reports it). */
  messageId: string;
  to: string[];
  subject: string;
}

interface SearchPage {
  messages_count: number;
  messages: Array<{ ID: string; MessageID: string; To: Array<{ Address?: string }> | null; Subject: string }> | null;
}

const PAGE = 500;

export class Mailpit {
  constructor(readonly baseUrl: string) {}

  private async get(path: string, timeoutMs = 30_000): Promise<any> {
    const response = await fetch(`${this.baseUrl}${path}`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`mail server: GET ${path}: HTTP ${response.status}`);
    return response.json();
  }

  /** Messages with a recipient containing `fragment` (exact address matches only; Mailpit also matches names). */
  async search(fragment: string, limit = Infinity): Promise<MailSummary[]> {
    const out: MailSummary[] = [];
    const needle = fragment.toLowerCase();
    for (let start = 0; out.length < limit; start += PAGE) {
      const page = (await this.get(`/api/v1/search?query=${encodeURIComponent(`to:"${fragment}"`)}&start=${start}&limit=${PAGE}`)) as SearchPage;
      const items = page.messages ?? [];
      for (const m of items) {
        const to = (m.To ?? []).map((a) => a.Address ?? '').filter(Boolean);
        if (!to.some((address) => address.toLowerCase().includes(needle))) continue;
        out.push({ id: m.ID, messageId: m.MessageID, to, subject: m.Subject });
      }
      if (items.length < PAGE || start + items.length >= page.messages_count) break;
    }
    return out;
  }

  /** How many messages a search by `fragment` finds (one request). */
  async count(fragment: string): Promise<number> {
    const page = (await this.get(`/api/v1/search?query=${encodeURIComponent(`to:"${fragment}"`)}&limit=1`)) as SearchPage;
    return page.messages_count;
  }

  /** A message's plain-text body. */
  async text(id: string): Promise<string> {
    const message = (await this.get(`/api/v1/message/${encodeURIComponent(id)}`)) as { Text: string };
    return message.Text;
  }

  /** Deletes the messages a search by `fragment` finds (a finished run's). */
  async deleteMatching(fragment: string): Promise<void> {
    await fetch(`${this.baseUrl}/api/v1/search?query=${encodeURIComponent(`to:"${fragment}"`)}`, { method: 'DELETE', signal: AbortSignal.timeout(60_000) });
  }
}

/** The customer's decline link in the consent email's text. */
export function consentLinkIn(text: string, consentBaseUrl: string): string | undefined {
  const escaped = consentBaseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${escaped}/v1/consent/[A-Za-z0-9_.-]+`).exec(text)?.[0];
}
