// Traces across services (docs/operations.md, Traces). intake and review run as built (`npm run
// build`, then `node dist/apps/<service>/src/main.js`, as npm start and the Docker image run them)
// with tracing on, exporting OTLP/JSON to a receiver in this test that keeps the spans in memory.
// Separate processes because the instrumentations (HTTP, kafkajs, MongoDB) hook module loading,
// which Jest's module system bypasses. A claim's submit must be one trace: intake's HTTP server
// span, its ledger span with the MongoDB spans under it, the relay's producer span, then review's
// consumer span and its MongoDB spans, each span's parent in the trace.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { mintToken } from '@cpor/platform';
import { http } from '../support/http.js';
import { claimFields, PDF } from '../support/lifecycle-driver.js';
import { freePort } from '../support/ports.js';
import { removeRunData, TEST_JWT_SECRET } from '../support/system.js';
import { waitFor } from '../support/wait-for.js';

jest.setTimeout(240_000);

const root = fileURLToPath(new URL('../../', import.meta.url));
const runId = randomUUID().slice(0, 8);
const topicPrefix = `it-${runId}.`;
const mongoDb = `cpor_it_traces_${runId}`;
const EVENTS_TOPIC = `${topicPrefix}cpor.claim-events.v1`;

/** OTLP span kinds (the SDK's + 1). */
const KIND = { server: 2, producer: 4, consumer: 5 } as const;

interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttributes = Array<{ key: string; value: OtlpValue }>;
interface OtlpTraces {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttributes };
    scopeSpans?: Array<{ scope?: { name?: string }; spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttributes }> }>;
  }>;
}

const attributesOf = (list: OtlpAttributes = []) =>
  Object.fromEntries(list.map(({ key, value }) => [key, value.stringValue ?? value.boolValue ?? value.doubleValue ?? (value.intValue === undefined ? undefined : Number(value.intValue))]));

/** An OTLP/HTTP receiver (JSON encoding): what a collector would get, kept in memory. */
function startReceiver(spans: ReceivedSpan[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces;
        for (const resourceSpans of body.resourceSpans ?? []) {
          const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? []) {
              spans.push({
                service,
                scope: scopeSpans.scope?.name ?? '',
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId || undefined,
                name: span.name,
                kind: span.kind,
                attributes: attributesOf(span.attributes),
              });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface RunningService {
  child: ChildProcess;
  url: string;
  /** Its output lines (JSON log lines), for the assertions and for a failure's message. */
  lines: string[];
}

function startBuiltService(name: string, port: number, env: Record<string, string>): RunningService {
  const child = spawn(process.execPath, [`dist/apps/${name}/src/main.js`], {
    cwd: root,
    env: { ...process.env, ...env, [`${name.toUpperCase()}_PORT`]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (pending + chunk.toString('utf8')).split('\n');
      pending = parts.pop()!;
      lines.push(...parts);
    });
  }
  return { child, url: `http://127.0.0.1:${port}`, lines };
}

async function stop(service: RunningService | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

describe('one trace across services (built services, OTLP to an in-memory receiver)', () => {
  const spans: ReceivedSpan[] = [];
  let receiver: Server;
  let intake: RunningService | undefined;
  let review: RunningService | undefined;
  let token: string;

  beforeAll(async () => {
    // The services as shipped: compiled to dist/ (about 12 s on 2 cores), as `npm start` does.
    for (const [tool, args] of [
      ['tsc', ['-p', 'tsconfig.build.json']],
      ['tsc-alias', ['-p', 'tsconfig.build.json']],
    ] as const) {
      const build = spawnSync(`node_modules/.bin/${tool}`, args, { cwd: root, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`${tool} failed: ${build.stdout}${build.stderr}`);
    }
    receiver = await startReceiver(spans);
    const env = {
      KAFKA_TOPIC_PREFIX: topicPrefix,
      MONGO_DB: mongoDb,
      JWT_SECRET: TEST_JWT_SECRET,
      POLL_INTERVAL_MS: '100',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      // Export within 100 ms (default 5 s), so the test waits less.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    intake = startBuiltService('intake', await freePort(), env);
    review = startBuiltService('review', await freePort(), env);
    for (const service of [intake, review]) {
      await waitFor(async () => (await fetch(`${service.url}/health/ready`)).ok, {
        timeoutMs: 90_000,
        intervalMs: 250,
        message: `${service.url} ready (output: ${service.lines.slice(-5).join(' | ')})`,
      });
    }
    token = await mintToken(TEST_JWT_SECRET, { sub: `partner-user-${runId}`, roles: ['incentives-admin'], partnerId: `p-${runId}` });
  });

  afterAll(async () => {
    await Promise.all([stop(intake), stop(review)]);
    await new Promise((resolve) => receiver?.close(resolve));
    await removeRunData(topicPrefix, mongoDb);
  });

  const inTrace = (traceId: string) => spans.filter((span) => span.traceId === traceId);
  const childrenOf = (parent: ReceivedSpan) => spans.filter((span) => span.traceId === parent.traceId && span.parentSpanId === parent.spanId);
  /** The span and every span under it, in the trace. */
  const subtree = (top: ReceivedSpan): ReceivedSpan[] => [top, ...childrenOf(top).flatMap(subtree)];

  it("continues a caller's traceparent, and follows a submit from intake's HTTP request through the outbox and Kafka into review", async () => {
    // A caller that traces: intake's server span is its child.
    const caller = { traceId: randomUUID().replace(/-/g, ''), spanId: randomUUID().replace(/-/g, '').slice(0, 16) };
    // (A query string, which spans leave out as the access log does.)
    const created = await http('POST', `${intake!.url}/v1/claims?customer=Jane%20Doe`, { token, body: claimFields(runId), headers: { traceparent: `00-${caller.traceId}-${caller.spanId}-01` } });
    expect(created.status).toBe(201);
    const claimId = created.body.id as string;
    const createServer = await waitFor(
      () => spans.find((span) => span.service === 'intake' && span.kind === KIND.server && span.attributes['url.path'] === '/v1/claims' && span.attributes['http.request.method'] === 'POST'),
      { timeoutMs: 30_000, message: 'the create request span' },
    );
    expect(createServer).toMatchObject({ traceId: caller.traceId, parentSpanId: caller.spanId, scope: '@opentelemetry/instrumentation-http' });
    expect(createServer.attributes).not.toHaveProperty('url.query');

    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'signed-sow.pdf');
    expect((await http('POST', `${intake!.url}/v1/claims/${claimId}/poe`, { token, form })).status).toBe(200);
    // No traceparent: intake starts the trace.
    expect((await http('POST', `${intake!.url}/v1/claims/${claimId}/submit`, { token })).status).toBe(200);

    const trace = await waitFor(
      () => {
        const server = spans.find((span) => span.service === 'intake' && span.kind === KIND.server && span.attributes['url.path'] === `/v1/claims/${claimId}/submit`);
        if (!server) return undefined;
        const ledger = childrenOf(server).find((span) => span.name === 'claim submit');
        const producer = ledger && childrenOf(ledger).find((span) => span.kind === KIND.producer && span.attributes['cloudevents.event_type'] === 'cpor.claim.submitted.v1');
        const consumer = producer && childrenOf(producer).find((span) => span.service === 'review' && span.kind === KIND.consumer);
        const reviewStore = consumer && subtree(consumer).find((span) => span.scope === '@opentelemetry/instrumentation-mongodb');
        if (!reviewStore) return undefined;
        // One tree: every span of the trace hangs under another of it, but the request's.
        const all = inTrace(server.traceId);
        const ids = new Set(all.map((span) => span.spanId));
        if (all.some((span) => span !== server && !ids.has(span.parentSpanId!))) return undefined;
        return { server, ledger: ledger!, producer: producer!, consumer, reviewStore, all };
      },
      { timeoutMs: 60_000, message: `the submit's trace from intake into review (${spans.length} spans received)` },
    );

    const { server, ledger, producer, consumer, reviewStore, all } = trace;
    expect(server.parentSpanId).toBeUndefined();
    expect(server).toMatchObject({ scope: '@opentelemetry/instrumentation-http', attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200 } });
    expect(ledger).toMatchObject({ service: 'intake', scope: 'cpor', attributes: { 'cpor.claim.id': claimId, 'cpor.claim.command': 'submit' } });
    // The ledger's store calls, under its span (instrumentation-mongodb).
    expect(childrenOf(ledger).filter((span) => span.scope === '@opentelemetry/instrumentation-mongodb').map((span) => span.attributes['db.collection.name'])).toEqual(
      expect.arrayContaining(['claims', 'claim_transitions']),
    );
    // Published later by the relay's polling loop, yet a child of the ledger's span (the traceparent stored with the outbox row).
    // Any service's relay may publish the row (they share the outbox: the first to take the relay lease does).
    expect(['intake', 'review']).toContain(producer.service);
    expect(producer).toMatchObject({ name: `send ${EVENTS_TOPIC}`, attributes: { 'messaging.system': 'kafka', 'messaging.kafka.message.key': claimId } });
    expect(consumer).toMatchObject({ name: `process ${EVENTS_TOPIC}`, attributes: { 'messaging.consumer.group.name': `${topicPrefix}review`, 'messaging.message.id': producer.attributes['messaging.message.id'] } });
    expect(reviewStore.service).toBe('review');
    expect(new Set(all.map((span) => span.service))).toEqual(new Set(['intake', 'review']));

    // review's log lines while it handled the record carry the consumer span's ids.
    const handled = review!.lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.context === 'KafkaTransport' && line.eventId === producer.attributes['messaging.message.id']);
    expect(handled).toMatchObject({ traceId: server.traceId, spanId: consumer.spanId, claimId });
  });
});
