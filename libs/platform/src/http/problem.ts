/**
 * Errors over HTTP as RFC 9457 problem details (`application/problem+json`), the same shape from
 * every service. `type` is `urn:cpor:problem:<code>`: a stable identifier, not a page to fetch
 * (RFC 9457 3.1.1 allows a URI that does not resolve). `code` repeats the short code for clients
 * that switch on it; the domain's details (every invalid field in `errors`, `currentStatus`,
 * `allowedStates`, ...) are extension members beside the standard ones. docs/errors.md is the catalogue.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const PROBLEMS = {
  'invalid-command': { status: 400, title: 'The request is invalid' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  'invalid-state': { status: 409, title: "The claim's status does not allow this action" },
  'window-closed': { status: 409, title: 'The window for this action has closed' },
  'version-conflict': { status: 409, title: 'The claim changed concurrently' },
  'consent-link-invalid': { status: 400, title: 'This consent link is malformed or was tampered with' },
  'consent-link-expired': { status: 410, title: 'This consent link has expired' },
  'consent-link-used': { status: 410, title: 'This consent link has already been used' },
  'precondition-failed': { status: 412, title: 'The claim is not at the version given in If-Match' },
  'payload-too-large': { status: 413, title: 'The request is too large' },
  'unsupported-media-type': { status: 415, title: 'The content type is not supported' },
  'idempotency-key-reused': { status: 422, title: 'The Idempotency-Key was used with a different request' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'A dependency is unavailable; retry shortly' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  errors?: string[];
  [extension: string]: unknown;
}

const CODE_BY_STATUS: Record<number, ProblemCode> = Object.fromEntries(
  Object.entries(PROBLEMS)
    .reverse() // the first code listed for a status wins
    .map(([code, { status }]) => [status, code as ProblemCode]),
);

/** The catalogue's code for a bare HTTP status (framework errors), `http-<status>` when it has none. */
export function problemCodeForStatus(status: number): string {
  return CODE_BY_STATUS[status] ?? `http-${status}`;
}

export function problemType(code: string): string {
  return `urn:cpor:problem:${code}`;
}

/** Builds a problem; extensions never replace the standard members. */
export function problem(code: string, detail: string, options: { status?: number; instance?: string; extensions?: Record<string, unknown> } = {}): Problem {
  const known = (PROBLEMS as Record<string, { status: number; title: string }>)[code];
  const status = options.status ?? known?.status ?? 500;
  return {
    ...options.extensions,
    type: problemType(code),
    title: known?.title ?? detail,
    status,
    detail,
    ...(options.instance ? { instance: options.instance } : {}),
    code,
  };
}
