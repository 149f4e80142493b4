import { ServiceUnavailableException, type ExecutionContext } from '@nestjs/common';
import { firstValueFrom, NEVER, of } from 'rxjs';
import type { ServiceConfig } from '../service-config.js';
import { toProblem } from '../service-error.filter.js';
import { ReadTimeoutInterceptor } from './read-timeout.js';

const http = (method: string) => ({ getType: () => 'http', switchToHttp: () => ({ getRequest: () => ({ method }) }) }) as unknown as ExecutionContext;
const interceptor = new ReadTimeoutInterceptor({ httpReadTimeoutMs: 50 } as ServiceConfig);

describe('reads without an answer in time', () => {
  it('answer 503 unavailable (Retry-After) after HTTP_READ_TIMEOUT_MS', async () => {
    const failure = await firstValueFrom(interceptor.intercept(http('GET'), { handle: () => NEVER })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableException);
    expect(toProblem(failure)).toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('leave a read that answers in time, and every write, as they are', async () => {
    expect(await firstValueFrom(interceptor.intercept(http('GET'), { handle: () => of('claim') }))).toBe('claim');
    // A write is never cut short: it might be applied after the timeout, and must not answer 5xx then.
    const write = interceptor.intercept(http('POST'), { handle: () => NEVER });
    const outcome = await Promise.race([firstValueFrom(write).then(() => 'answered', () => 'failed'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 150))]);
    expect(outcome).toBe('still waiting');
  });
});
