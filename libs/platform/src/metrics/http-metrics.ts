import type { IncomingMessage, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { Histogram, register } from 'prom-client';

/** Seconds: a read answers in milliseconds, a write is ledger round trips on FerretDB (up to seconds under load). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Label = 'service' | 'method' | 'route' | 'status_class';

export const httpRequestDuration: Histogram<Label> =
  (register.getSingleMetric('cpor_http_request_duration_seconds') as Histogram<Label> | undefined) ??
  new Histogram({
    name: 'cpor_http_request_duration_seconds',
    help: 'HTTP requests from arrival to the last byte of the response, by service, method, route template (unmatched: no route) and status class',
    labelNames: ['service', 'method', 'route', 'status_class'],
    buckets: HTTP_DURATION_BUCKETS,
  });

/** Route of a request that matched none (404s, and paths served outside Nest's router such as the OpenAPI UI's files). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route template Express matched (`/v1/claims/:id`), never the path itself, so the label's
 * values are as many as the routes. Read when the response has finished: by then the router has
 * set `req.route`.
 */
export function routeOf(request: IncomingMessage): string {
  const { route, baseUrl } = request as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  // Nest answers an unknown path from a catch-all route (`{/*splat}`): that is no route of ours.
  return typeof route?.path === 'string' && !route.path.includes('*') ? `${baseUrl ?? ''}${route.path}` : UNMATCHED_ROUTE;
}

export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

/**
 * Express middleware observing every answered request in `cpor_http_request_duration_seconds`.
 * A request the client gave up on before the answer was sent is not observed.
 */
export function httpMetricsMiddleware(service: string) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const stop = httpRequestDuration.startTimer();
    response.once('finish', () => {
      stop({ service, method: request.method ?? 'OTHER', route: routeOf(request), status_class: statusClass(response.statusCode) });
    });
    next();
  };
}

/** Observes the app's HTTP requests; call before the app is initialised (with the logging middleware). */
export function useHttpMetrics(app: INestApplication, service: string): void {
  app.use(httpMetricsMiddleware(service));
}
