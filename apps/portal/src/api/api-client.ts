import { CORRELATION_ID_HEADER } from '@cpor/platform';
import { currentTraceparent, requestContext } from '@cpor/kernel';

/**
 * A refusal of the intake or review API: its RFC 9457 problem details (docs/errors.md). `detail`
 * and `errors` are the domain's own words, shown to the person as they are.
 */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: string[] = [],
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }

  /** The claim changed since it was read (412), or the action does not fit its state now (409). */
  get isConflict(): boolean {
    return this.status === 409 || this.status === 412;
  }
}

/** The API cannot be reached or did not answer in time. */
export class ApiUnavailable extends Error {}

export interface CallOptions {
  json?: unknown;
  form?: FormData;
  query?: URLSearchParams;
  /** The claim version the action is based on: sent as `If-Match: "<version>"`. */
  version?: number;
  idempotencyKey?: string;
}

export interface ApiAnswer<T> {
  body: T;
  /** The claim version of a one-claim answer (its ETag), when there is one. */
  version?: number;
}

/**
 * How long a read waits for its API. Writes wait as long as it takes, as the APIs do: a write cut
 * short could be applied after the person was told it failed.
 */
export const READ_TIMEOUT_MS = 15_000;

/**
 * One of our HTTP APIs, called with the signed-in person's access token (the APIs authorise by
 * it: the portal adds no rights of its own). The request's correlation id goes along, so the
 * portal's log lines and the services' share it.
 */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly readTimeoutMs = READ_TIMEOUT_MS,
  ) {}

  async call<T>(method: string, path: string, accessToken: string, options: CallOptions = {}): Promise<ApiAnswer<T>> {
    const response = await this.send(method, path, accessToken, options);
    const body = await readJson(response);
    if (!response.ok) throw problemOf(response.status, body);
    // A success that is not JSON (a proxy's page served with 200, a cut answer) is no answer of the API.
    if (body === NOT_JSON) throw new ApiUnavailable(`${new URL(this.baseUrl).host} gave an answer that could not be read`);
    const etag = /^(?:W\/)?"(\d+)"$/.exec(response.headers.get('etag') ?? '');
    return { body: body as T, version: etag ? Number(etag[1]) : undefined };
  }

  /** The raw answer, for streaming a file through; a refusal throws like `call`. */
  async stream(path: string, accessToken: string): Promise<Response> {
    const response = await this.send('GET', path, accessToken, {});
    if (!response.ok) throw problemOf(response.status, await readJson(response));
    return response;
  }

  private async send(method: string, path: string, accessToken: string, options: CallOptions): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${accessToken}`, accept: 'application/json' };
    const correlationId = requestContext()?.correlationId;
    if (correlationId) headers[CORRELATION_ID_HEADER] = correlationId;
    // fetch is not instrumented: the page's trace goes along by hand, so the claim's trace starts here.
    const traceparent = currentTraceparent();
    if (traceparent) headers.traceparent = traceparent;
    if (options.version !== undefined) headers['if-match'] = `"${options.version}"`;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    let body: RequestInit['body'];
    if (options.form) body = options.form;
    else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const url = `${this.baseUrl}${path}${options.query?.size ? `?${options.query}` : ''}`;
    try {
      return await fetch(url, { method, headers, body, ...(method === 'GET' ? { signal: AbortSignal.timeout(this.readTimeoutMs) } : {}) });
    } catch {
      throw new ApiUnavailable(`${new URL(this.baseUrl).host} did not answer`);
    }
  }
}

/** A body that cannot be read or does not parse as JSON (a proxy's HTML error page, a cut answer). */
const NOT_JSON = Symbol('not JSON');

async function readJson(response: Response): Promise<unknown> {
  try {
    const text = await response.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return NOT_JSON;
  }
}

/**
 * A refusal as the person should read it: the API's problem details (docs/errors.md) when the
 * body is one (an object with a `detail`), else, whatever answered (a proxy, a gateway), a
 * generic line with the status kept and none of the body's contents.
 */
function problemOf(status: number, body: unknown): ApiProblem {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; detail?: unknown; errors?: unknown };
  if (typeof problem.detail !== 'string' || !problem.detail) return new ApiProblem(status, `http-${status}`, genericDetail(status));
  const errors = Array.isArray(problem.errors) ? problem.errors.filter((error): error is string => typeof error === 'string') : [];
  return new ApiProblem(status, typeof problem.code === 'string' ? problem.code : `http-${status}`, problem.detail, errors);
}

function genericDetail(status: number): string {
  return status >= 500
    ? `The service could not answer (HTTP ${status}). Try again in a moment; if it keeps failing, tell the operators the time it happened.`
    : `The service refused the request (HTTP ${status}) without saying why.`;
}
