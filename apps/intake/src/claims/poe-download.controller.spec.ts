import { Readable } from 'node:stream';
import type { ClaimsService } from './claims.service.js';
import { answerStreamFailure, PoeDownloadController } from './poe-download.controller.js';

/** Just enough of an express response to see what is answered. */
function response(headersSent = false) {
  const headers = new Map<string, string>([
    ['Content-Disposition', 'attachment; filename="sow.pdf"'],
    ['Content-Length', '48213'],
    ['X-Content-Type-Options', 'nosniff'],
  ]);
  const answer = { status: 0, body: undefined as unknown, destroyed: false, headersSent, headers };
  const res = {
    get destroyed() {
      return answer.destroyed;
    },
    headersSent,
    req: { originalUrl: '/v1/claims/c-1/poe/d-1?x=1' },
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
    status(code: number) {
      answer.status = code;
      return this;
    },
    json: (body: unknown) => void (answer.body = body),
    destroy: () => void (answer.destroyed = true),
  };
  return { res: res as never, answer };
}

describe('a PoE file whose stream fails', () => {
  it('before the first byte, in a store outage: 503 problem with Retry-After, not a download', () => {
    const { res, answer } = response();
    answerStreamFailure(Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' }), res);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'unavailable', instance: '/v1/claims/c-1/poe/d-1' });
    expect(answer.headers.get('Retry-After')).toBe('5');
    expect(answer.headers.has('Content-Disposition')).toBe(false);
    expect(answer.headers.has('Content-Length')).toBe(false);
  });

  it('after the first byte: the connection is cut, so the truncated file cannot pass for whole', () => {
    const { res, answer } = response(true);
    answerStreamFailure(new Error('chunk missing'), res);
    expect(answer.destroyed).toBe(true);
    expect(answer.status).toBe(0);
  });

  it('is what the download answers with: the file it returns carries this handler', async () => {
    const claims = { openPoe: async () => ({ document: { fileName: 'sow.pdf', contentType: 'application/pdf', size: 10 }, content: Readable.from(['x']) }) };
    const { res, answer } = response();
    const attachment = Object.assign(res as Record<string, unknown>, { attachment: () => undefined });
    const principal = { sub: 'user-1', partnerId: 'p-1', roles: ['incentives-admin'] };
    const file = await new PoeDownloadController(claims as unknown as ClaimsService).download(principal as never, 'c-1', 'd-1', attachment as never);
    file.errorHandler(Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' }), res);
    expect(answer.status).toBe(503);
  });
});
