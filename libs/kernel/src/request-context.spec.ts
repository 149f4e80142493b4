import { describe, expect, it } from '@jest/globals';
import { PollingLoop } from './polling-loop.js';
import { acceptedCorrelationId, amendRequestContext, outsideRequestContext, requestContext, runInRequestContext, type RequestContext } from './request-context.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('request context', () => {
  it('is the given object across awaits and timers, and nothing outside', async () => {
    const context: RequestContext = { service: 'intake', correlationId: 'c-1' };
    expect(requestContext()).toBeUndefined();
    await runInRequestContext(context, async () => {
      await tick();
      expect(requestContext()).toBe(context);
      await new Promise<void>((resolve) => setTimeout(() => (expect(requestContext()).toBe(context), resolve()), 1));
    });
    expect(requestContext()).toBeUndefined();
  });

  it('keeps concurrent requests apart', async () => {
    const seen: Array<[string, string | undefined]> = [];
    await Promise.all(
      ['a', 'b', 'c'].map((id, index) =>
        runInRequestContext({ correlationId: id }, async () => {
          await new Promise((resolve) => setTimeout(resolve, 3 - index));
          seen.push([id, requestContext()?.correlationId]);
        }),
      ),
    );
    expect(seen.every(([id, current]) => id === current)).toBe(true);
  });

  it('is amended in place (seen by whoever holds it), ignoring undefined values; amending outside one does nothing', async () => {
    const context: RequestContext = { correlationId: 'c-1' };
    await runInRequestContext(context, async () => {
      await tick();
      amendRequestContext({ claimId: 'claim-1', eventId: undefined });
    });
    expect(context).toEqual({ correlationId: 'c-1', claimId: 'claim-1' });
    expect(() => amendRequestContext({ claimId: 'x' })).not.toThrow();
    expect(requestContext()).toBeUndefined();
  });

  it('can be left for work that is no part of the request', () => {
    runInRequestContext({ correlationId: 'c-1' }, () => {
      expect(outsideRequestContext(() => requestContext())).toBeUndefined();
      expect(requestContext()?.correlationId).toBe('c-1');
    });
  });

  it('is not inherited by a polling round nudged from inside a request', async () => {
    const seen: Array<RequestContext | undefined> = [];
    const loop = new PollingLoop('test', async () => void seen.push(requestContext()), 60_000);
    loop.start();
    runInRequestContext({ correlationId: 'c-1' }, () => loop.nudge());
    await new Promise((resolve) => setTimeout(resolve, 20));
    await loop.stop();
    expect(seen).toEqual([undefined]);
  });
});

describe('correlation ids from callers (X-Correlation-Id, ce_correlationid)', () => {
  it.each([['abc'], ['0b8c2a3e-1d4f-4a7b-9c2e-3f5a6b7c8d9e'], ['order:42/retry#1'], ['x'.repeat(128)], ['~!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}']])('keeps %s', (value) => {
    expect(acceptedCorrelationId(value)).toBe(value);
  });

  it.each([[''], ['x'.repeat(129)], ['with space'], ['tab\there'], ['line\nbreak'], ['caf\u00e9'], [' leading'], ['a, b']])('refuses %j', (value) => {
    expect(acceptedCorrelationId(value)).toBeUndefined();
  });

  it('refuses what is not a string (a repeated header, nothing)', () => {
    expect(acceptedCorrelationId(['a', 'b'])).toBeUndefined();
    expect(acceptedCorrelationId(undefined)).toBeUndefined();
  });
});

