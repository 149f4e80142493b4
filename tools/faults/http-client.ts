import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The driver's HTTP: what a careful client of the public APIs does (docs/http-api.md). Every
 * POST carries an Idempotency-Key, and a request that got no answer (connection refused or reset,
 * a timeout) or a 5xx is sent again with the same key until it is answered or the deadline
 * passes, so a retry never applies anything twice. A 409 `version-conflict` (another change came
 * first) is asked again too, with the same key: a refused request is not remembered.
 */

export interface HttpAnswer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export interface HttpStats {
  requests: number;
  retries: number;
  /** 503 `unavailable`: what an outage should answer. */
  status503: number;
  /** Other 5xx (500 `internal`, ...): errors the service did not expect. */
  status5xxOther: number;
  connectionErrors: number;
  conflicts: number;
}

export function emptyHttpStats(): HttpStats {
  return { requests: 0, retries: 0, status503: 0, status5xxOther: 0, connectionErrors: 0, conflicts: 0 };
}

export interface RequestOptions {
  token?: string;
  /** JSON body. */
  body?: unknown;
  /** A multipart body, made afresh for each attempt (a sent FormData cannot be sent again). */
  form?: () => FormData;
  /** Idempotency-Key: POSTs get a fresh one unless given (pass one to tie attempts together). */
  idempotencyKey?: string;
  headers?: Record<string, string>;
  /** Give up after this long (ms) of failed attempts. */
  deadlineMs?: number;
  /** Statuses answered as they are (no retry), beside 2xx and 4xx. */
  accept?: (status: number, body: any) => boolean;
}

export class GaveUpError extends Error {
  override name = 'GaveUpError';
}

const ATTEMPT_TIMEOUT_MS = 30_000;
const DEFAULT_DEADLINE_MS = 6 * 60_000;

export class HttpClient {
  constructor(readonly stats: HttpStats = emptyHttpStats()) {}

  /** Sends until answered with something other than a 5xx or a 409 version-conflict; throws GaveUpError at the deadline. */
  async request(method: string, url: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    const key = method === 'POST' ? (options.idempotencyKey ?? randomUUID()) : undefined;
    const giveUpAt = Date.now() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS);
    let pause = 200;
    let last: string;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) this.stats.retries++;
      this.stats.requests++;
      const headers: Record<string, string> = { accept: 'application/json', ...(options.headers ?? {}) };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (key) headers['idempotency-key'] = key;
      let body: FormData | string | undefined;
      if (options.form) body = options.form();
      else if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      try {
        const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
        const text = await response.text();
        let parsed: any = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // an HTML page
        }
        const answer = { status: response.status, body: parsed, text, headers: response.headers };
        if (options.accept?.(response.status, parsed)) return answer;
        const conflict = response.status === 409 && parsed?.code === 'version-conflict';
        if (response.status < 500 && !conflict) return answer;
        if (conflict) this.stats.conflicts++;
        else if (response.status === 503) this.stats.status503++;
        else this.stats.status5xxOther++;
        last = `${response.status} ${text.slice(0, 200)}`;
      } catch (error) {
        this.stats.connectionErrors++;
        last = error instanceof Error ? `${error.name}: ${error.message}${(error as { cause?: { code?: string } }).cause?.code ? ` (${(error as { cause?: { code?: string } }).cause?.code})` : ''}` : String(error);
      }
      if (Date.now() + pause > giveUpAt) throw new GaveUpError(`${method} ${url}: no answer after ${attempt} attempts (${last})`);
      await sleep(pause);
      pause = Math.min(pause * 2, 5_000);
    }
  }
}
