/**
 * The last line of defence for what reaches the logs (and the traces). The first is structural:
 * no request or response body, no header and no query string is ever logged or traced, Kafka
 * payloads and headers are not logged, and our messages name ids, never people. This module
 * scrubs each finished line (and the request paths of the access log and of HTTP spans) of what
 * must never be there even if some message or error text carries it: bearer tokens and JWTs,
 * consent links (the token in the path is a credential), email addresses and the configured
 * secrets. Here in the kernel because the logs (libs/platform) and the tracing (libs/tracing) share it.
 */

const REDACTED = '[redacted]';

/**
 * Patterns applied to a finished JSON line. None may break the JSON: no class takes a quote or a
 * backslash, and an address right after an escape (`\n`, `\u001b`) keeps the escape's letters.
 */
const PATTERNS: Array<[RegExp, (match: string, ...rest: unknown[]) => string]> = [
  // The customer's consent link: /v1/consent/<signed token>.
  [/(\/consent\/)[^/\s"\\?#]+/g, (_match, prefix) => `${prefix as string}${REDACTED}`],
  // Authorization header values; signed tokens anywhere: JWTs (base64url of `{"`, so `eyJ`) and
  // consent tokens (base64url of `["`, so `WyI`), each a signed body with one or two dots.
  [/(bearer\s+)[^\s"\\,;]+/gi, (_match, prefix) => `${prefix as string}${REDACTED}`],
  [/(?:eyJ|WyI)[\w-]{8,}\.[\w-]{16,}(?:\.[\w-]*)?/g, () => REDACTED],
  // Email addresses (customer and partner contacts, reviewers).
  [/[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, (match, offset, text) => keepEscape(match, offset as number, text as string) + '[email]'],
];

/** The letters of a JSON escape a match starts with (`n` of `\n`, `u001b` of `\u001b`), if it starts inside one. */
function keepEscape(match: string, offset: number, text: string): string {
  if (text[offset - 1] !== '\\') return '';
  return /^u[0-9a-fA-F]{4}/.test(match) ? match.slice(0, 5) : match.slice(0, 1);
}

/** Literal secret values (JWT_SECRET, CONSENT_LINK_SECRET, SMTP_PASSWORD) shorter than this are not searched for. */
const MIN_SECRET_LENGTH = 8;

export type LogScrubber = (text: string) => string;

/** A scrubber for finished log lines; `secrets` are literal values replaced wherever they occur. */
export function logScrubber(secrets: Array<string | undefined> = []): LogScrubber {
  const literals = [...new Set(secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH))];
  return (text) => {
    let out = text;
    for (const secret of literals) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    for (const [pattern, replace] of PATTERNS) out = out.replace(pattern, replace);
    return out;
  };
}

/** Scrubs one text with the patterns only (no configured secrets). */
export const scrubLogText: LogScrubber = logScrubber();

/** Paths probed every few seconds: left out of the access log (unless they fail) and never traced. */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/health/live', '/health/ready', '/metrics']);

/** Whether a request URL is a probe's (one of PROBE_PATHS, whatever its query string or fragment). */
export function isProbePath(url: string | undefined): boolean {
  return PROBE_PATHS.has(pathOf(url));
}

/** A request URL's path: no query string or fragment; `/` for none. */
function pathOf(url: string | undefined): string {
  return (url ?? '').split(/[?#]/, 1)[0] || '/';
}

/**
 * The path of a request URL as the access log (and an HTTP span) shows it: no query string (filters may hold a
 * customer's name) or fragment, and no consent token.
 */
export function loggablePath(url: string | undefined): string {
  return scrubLogText(pathOf(url));
}
