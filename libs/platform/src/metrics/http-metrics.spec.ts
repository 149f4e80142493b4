import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, HttpCode, NotFoundException, Param, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { routeOf, statusClass, UNMATCHED_ROUTE, useHttpMetrics } from './http-metrics.js';

// HTTP request durations as the services wire them (useHttpMetrics), on a small app listening on a loopback port.

const CLAIM_ID = '0b8c2a3e-1d4f-4a7b-9c2e-3f5a6b7c8d9e';

@Controller('v1/claims')
class ClaimsProbe {
  @Get(':claimId')
  get(@Param('claimId') claimId: string) {
    if (claimId === 'missing') throw new NotFoundException();
    return { claimId };
  }

  @Post(':claimId/submit')
  @HttpCode(200)
  async submit() {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return { ok: true };
  }

  @Get(':claimId/boom')
  boom() {
    throw new Error('kaput');
  }
}

describe('HTTP request duration histogram', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ClaimsProbe] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    useHttpMetrics(app, 'intake');
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
  });

  /** `_count` and `_sum` of one series. */
  async function series(labels: Record<string, string>): Promise<{ count: number; sum: number }> {
    const { values } = await (register.getSingleMetric('cpor_http_request_duration_seconds') as { get(): Promise<{ values: Array<{ metricName?: string; labels: Record<string, unknown>; value: number }> }> }).get();
    const matches = (value: { labels: Record<string, unknown> }) => Object.entries(labels).every(([name, expected]) => value.labels[name] === expected);
    const of = (suffix: string) => values.find((value) => value.metricName === `cpor_http_request_duration_seconds${suffix}` && matches(value))?.value ?? 0;
    return { count: of('_count'), sum: of('_sum') };
  }

  /** The histogram is observed when the response finishes, which may be just after the client has read it. */
  async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
    for (let i = 0; ; i++) {
      const value = await read();
      if (ok(value) || i === 50) return value;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('labels requests by service, method, route template (never the path) and status class', async () => {
    expect((await fetch(`${base}/v1/claims/${CLAIM_ID}`)).status).toBe(200);
    expect((await fetch(`${base}/v1/claims/other-claim`)).status).toBe(200);
    expect((await fetch(`${base}/v1/claims/missing`)).status).toBe(404);
    expect((await fetch(`${base}/v1/claims/${CLAIM_ID}/submit`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${base}/v1/claims/${CLAIM_ID}/boom`)).status).toBe(500);

    const get = { service: 'intake', method: 'GET', route: '/v1/claims/:claimId' };
    expect((await eventually(() => series({ ...get, status_class: '2xx' }), (s) => s.count === 2)).count).toBe(2);
    expect((await series({ ...get, status_class: '4xx' })).count).toBe(1);
    const submit = await eventually(() => series({ service: 'intake', method: 'POST', route: '/v1/claims/:claimId/submit', status_class: '2xx' }), (s) => s.count === 1);
    expect(submit.count).toBe(1);
    expect(submit.sum).toBeGreaterThanOrEqual(0.025);
    expect((await eventually(() => series({ method: 'GET', route: '/v1/claims/:claimId/boom', status_class: '5xx' }), (s) => s.count === 1)).count).toBe(1);

    const text = await register.getSingleMetricAsString('cpor_http_request_duration_seconds');
    expect(text).not.toContain(CLAIM_ID);
    expect(text).not.toContain('other-claim');
  });

  it('labels a request no route matched as unmatched', async () => {
    expect((await fetch(`${base}/nowhere/${CLAIM_ID}`)).status).toBe(404);
    expect((await eventually(() => series({ method: 'GET', route: UNMATCHED_ROUTE, status_class: '4xx' }), (s) => s.count === 1)).count).toBe(1);
  });

  it('routeOf and statusClass', () => {
    expect(routeOf({ route: { path: '/v1/claims/:id' }, baseUrl: '' } as never)).toBe('/v1/claims/:id');
    expect(routeOf({ route: { path: '/:id' }, baseUrl: '/v1/claims' } as never)).toBe('/v1/claims/:id');
    expect(routeOf({} as never)).toBe(UNMATCHED_ROUTE);
    expect(routeOf({ route: { path: '{/*splat}' }, baseUrl: '' } as never)).toBe(UNMATCHED_ROUTE); // Nest's not-found catch-all
    expect([statusClass(201), statusClass(304), statusClass(429), statusClass(503), statusClass(0)]).toEqual(['2xx', '3xx', '4xx', '5xx', 'other']);
  });
});
