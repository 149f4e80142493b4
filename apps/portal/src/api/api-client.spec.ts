import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, ApiProblem, ApiUnavailable } from './api-client.js';

/** A stand-in for the API (or a proxy in front of it): answers every request with the next canned answer. */
interface Canned {
  status: number;
  type: string;
  body: string;
}

describe("the portal's API client", () => {
  let server: Server;
  let client: ApiClient;
  let next: Canned;

  beforeAll(async () => {
    server = createServer((_request, response) => response.writeHead(next.status, { 'content-type': next.type }).end(next.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** What `call` and `stream` throw for the canned answer. */
  async function refusals(answer: Canned): Promise<unknown[]> {
    next = answer;
    return Promise.all([client.call('GET', '/v1/claims', 'token').catch((error: unknown) => error), client.stream('/v1/claims/x/poe/y', 'token').catch((error: unknown) => error)]);
  }

  it("keeps the API's problem details: status, code, detail and errors", async () => {
    const body = JSON.stringify({ type: 'about:blank', title: 'The request is invalid', status: 400, code: 'invalid-command', detail: 'The request is invalid', errors: ['mpnId: 6 to 10 digits'] });
    for (const error of await refusals({ status: 400, type: 'application/problem+json', body })) {
      expect(error).toBeInstanceOf(ApiProblem);
      expect(error).toMatchObject({ status: 400, code: 'invalid-command', detail: 'The request is invalid', errors: ['mpnId: 6 to 10 digits'] });
    }
  });

  it.each([
    ["a proxy's HTML page", { status: 502, type: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }],
    ['plain text', { status: 503, type: 'text/plain', body: 'upstream connect error' }],
    ['JSON that is not a problem', { status: 504, type: 'application/json', body: '{"message":"Gateway Timeout"}' }],
    ['a JSON string', { status: 500, type: 'application/json', body: '"oops"' }],
    ['a cut JSON body', { status: 502, type: 'application/json', body: '{"code":"inval' }],
  ])('turns an error answer with %s into a problem with its status and a generic detail, none of the body', async (_what, answer) => {
    for (const error of await refusals(answer)) {
      expect(error).toBeInstanceOf(ApiProblem);
      const problem = error as ApiProblem;
      expect([problem.status, problem.code, problem.errors]).toEqual([answer.status, `http-${answer.status}`, []]);
      expect(problem.detail).toBe(`The service could not answer (HTTP ${answer.status}). Try again in a moment; if it keeps failing, tell the operators the time it happened.`);
    }
  });

  it('says a refusal without a problem body was refused, with its status', async () => {
    for (const error of await refusals({ status: 429, type: 'text/html', body: '<p>Slow down</p>' })) {
      expect(error).toMatchObject({ status: 429, code: 'http-429', detail: 'The service refused the request (HTTP 429) without saying why.' });
    }
  });

  it('treats a success whose body is not JSON as the API being unavailable, not as a crash', async () => {
    next = { status: 200, type: 'text/html', body: '<html>Sign in to the proxy</html>' };
    await expect(client.call('GET', '/v1/claims', 'token')).rejects.toBeInstanceOf(ApiUnavailable);
  });

  it('gives up on a read that does not answer in time (the API is unavailable), never on a write, which may be applied late', async () => {
    const slow = createServer((_request, response) => void setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 300));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const impatient = new ApiClient(`http://127.0.0.1:${(slow.address() as AddressInfo).port}`, 100);
      await expect(impatient.call('GET', '/v1/claims', 'token')).rejects.toBeInstanceOf(ApiUnavailable);
      expect((await impatient.call('POST', '/v1/claims/x/submit', 'token')).body).toEqual({ ok: true });
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});
