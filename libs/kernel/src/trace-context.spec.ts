import { describe, expect, it } from '@jest/globals';
import { currentTraceparent, outsideRequestContext, runInRequestContext } from './request-context.js';
import {
  acceptedTraceparent,
  activeTraceIds,
  activeTraceparent,
  formatTraceparent,
  inSpan,
  parseTraceparent,
  startSpan,
  traceIdFrom,
  withoutInstrumentation,
} from './trace-context.js';

// With no OpenTelemetry SDK started (tracing off, the default; libs/tracing's spec covers it on).
const CALLER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('traceparent values', () => {
  it('takes the trace id of a valid W3C traceparent', () => {
    expect(traceIdFrom(CALLER)).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traceIdFrom('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-future')).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it.each([
    [undefined],
    [''],
    ['garbage'],
    ['00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    ['00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'],
    ['ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
    ['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra'],
    ['00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01'],
    [['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']],
  ])('has none for %j', (value) => {
    expect(parseTraceparent(value)).toBeUndefined();
    expect(traceIdFrom(value)).toBeUndefined();
    expect(acceptedTraceparent(value)).toBeUndefined();
  });

  it('reads and writes the trace id, parent id and flags; a later version is kept as version 00', () => {
    expect(parseTraceparent(` ${CALLER} `)).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    expect(formatTraceparent({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 0 })).toBe(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00',
    );
    expect(acceptedTraceparent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03-future')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03');
  });
});

describe('spans with tracing off', () => {
  it('pass a given parent through unchanged and start nothing without one', () => {
    expect(startSpan('send x', { kind: 'producer', parent: CALLER }).traceparent).toBe(CALLER);
    expect(startSpan('send x', { kind: 'producer' }).traceparent).toBeUndefined();
    expect(startSpan('send x', { parent: 'garbage' }).traceparent).toBeUndefined();
  });

  it('run the work, hand back its result or its error, and leave no active span', async () => {
    await expect(inSpan('work', { parent: CALLER }, async (span) => (span.setAttribute('a', 1), activeTraceparent() ?? 'none'))).resolves.toBe('none');
    await expect(inSpan('work', {}, async () => Promise.reject(new Error('kaput')))).rejects.toThrow('kaput');
    expect(withoutInstrumentation(() => activeTraceIds())).toBeUndefined();
  });

  it("pass on the traceparent the request or record came with, and none outside it", () => {
    expect(currentTraceparent()).toBeUndefined();
    runInRequestContext({ correlationId: 'c-1', traceparent: CALLER }, () => {
      expect(currentTraceparent()).toBe(CALLER);
      outsideRequestContext(() => expect(currentTraceparent()).toBeUndefined());
    });
  });
});
