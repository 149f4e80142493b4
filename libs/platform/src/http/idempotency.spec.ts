import { BadRequestException, type ExecutionContext } from '@nestjs/common';
import { firstValueFrom, of } from 'rxjs';
import type { IdempotentAnswerRepository } from '@cpor/persistence';
import type { ServiceConfig } from '../service-config.js';
import { IdempotencyInterceptor } from './idempotency.js';

const clock = { now: () => new Date('2026-12-05T12:00:00Z') };
const config = { service: 'intake' } as ServiceConfig;

function http(body: unknown, key = 'key-1') {
  const request = { method: 'POST', path: '/v1/claims/c-1/comments', body, principal: { sub: 'user-1', partnerId: 'p-1' }, header: (name: string) => (name === 'idempotency-key' ? key : undefined) };
  const response = { setHeader: () => undefined };
  return { getType: () => 'http', getHandler: () => () => undefined, switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) } as unknown as ExecutionContext;
}

function answers(remember: IdempotentAnswerRepository['remember']): IdempotentAnswerRepository {
  return { find: async () => null, remember, sweepExpired: async () => 0 } as unknown as IdempotentAnswerRepository;
}

describe('Idempotency-Key', () => {
  it('a request that was applied answers its result even when its answer cannot be kept (the store failed after the command)', async () => {
    const outage = Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
    const interceptor = new IdempotencyInterceptor(answers(async () => Promise.reject(outage)), clock, config);
    const answered = await firstValueFrom(await interceptor.intercept(http({ text: 'hello' }), { handle: () => of({ id: 'c-1', version: 4 }) }));
    expect(answered).toEqual({ id: 'c-1', version: 4 });
  });

  it('a body nested too deep is refused with 400 before its fingerprint is taken (no stack overflow, no 500)', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const interceptor = new IdempotencyInterceptor(answers(async (answer) => answer), clock, config);
    const refusal = await interceptor.intercept(http(deep), { handle: () => of('never') }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BadRequestException);
    expect((refusal as BadRequestException).getResponse()).toMatchObject({ message: ['body nests deeper than 32 levels'] });
  });
});
