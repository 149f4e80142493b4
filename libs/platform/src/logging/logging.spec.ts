import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, HttpCode, Logger, Param, Post, UploadedFiles, UseInterceptors, type INestApplication } from '@nestjs/common';
import { FilesInterceptor } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { amendRequestContext, loggablePath, logScrubber, requestContext, runInRequestContext, scrubLogText } from '@cpor/kernel';
import { createServiceLogger, logSettingsFromEnv, type LogDestination } from './logger.js';
import { LoggingModule, useServiceLogging } from './logging.module.js';

// A service's logging as the services wire it (LoggingModule, useServiceLogging) on a small app
// listening on a loopback port: the lines are collected in memory, no other server is involved.

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYXJ0bmVyLTEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const CONSENT_TOKEN = 'WyIwYjhjMmEzZS0xZDRmIiwxLCIyMDI2LTExLTI1In0.aGVsbG8tc2lnbmF0dXJlLXZhbHVl';
const EMAIL = 'casey.customer@northwind.example';
const CLAIM_ID = '0b8c2a3e-1d4f-4a7b-9c2e-3f5a6b7c8d9e';

@Controller()
class ProbeController {
  private readonly logger = new Logger('Probe');

  @Get('v1/claims/:claimId')
  get(@Param('claimId') claimId: string) {
    amendRequestContext({ claimId });
    this.logger.log(`looked at claim ${claimId}`);
    return { context: requestContext() };
  }

  // A body (JSON, or multipart through multer) is read asynchronously: the context must survive it.
  @Post('v1/claims/:claimId/comments')
  @HttpCode(200)
  comment(@Param('claimId') claimId: string, @Body() body: { text: string }) {
    amendRequestContext({ claimId });
    return { context: requestContext(), text: body.text };
  }

  @Post('v1/claims/:claimId/poe')
  @HttpCode(200)
  @UseInterceptors(FilesInterceptor('files'))
  upload(@UploadedFiles() files: Array<{ originalname: string }> = []) {
    return { context: requestContext(), files: files.map((file) => file.originalname) };
  }

  @Get('v1/consent/:token')
  consent(@Param('token') token: string) {
    // What must never reach a line, however careless the message: scrubbed on the way out.
    this.logger.warn(`link ${token} of ${EMAIL} opened with Bearer ${TOKEN}; see http://127.0.0.1:3003/v1/consent/${token}`);
    return { ok: true };
  }

  @Get('boom')
  boom() {
    throw new Error('kaput');
  }

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}

type Line = Record<string, any>;

describe('service logs (pino through nestjs-pino)', () => {
  const written: string[] = [];
  const destination: LogDestination = { write: (line) => written.push(line) };
  const lines = (): Line[] => written.map((line) => JSON.parse(line) as Line);
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [LoggingModule.forService('intake', { settings: { level: 'debug', format: 'json' }, destination })],
      controllers: [ProbeController],
    }).compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    useServiceLogging(app, 'intake');
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
  });

  /** Waits for the access log line of a request (written when the response has finished). */
  async function accessLine(correlationId: string): Promise<Line> {
    for (let i = 0; i < 100; i++) {
      const line = lines().find((candidate) => candidate.correlationId === correlationId && candidate.status !== undefined);
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no access log line for ${correlationId}`);
  }

  it('writes one JSON object per line with level, time, service and msg; Nest start-up chatter is debug', () => {
    expect(written.length).toBeGreaterThan(0);
    for (const line of written) expect(line.endsWith('\n') && !line.slice(0, -1).includes('\n')).toBe(true);
    const routes = lines().filter((line) => line.context === 'RouterExplorer');
    expect(routes.length).toBeGreaterThan(0);
    for (const line of routes) expect(line).toMatchObject({ level: 'debug', service: 'intake' });
    for (const line of lines()) {
      expect(typeof line.msg).toBe('string');
      expect(new Date(line.time).toISOString()).toBe(line.time);
    }
  });

  it('takes X-Correlation-Id from the caller, answers it, and logs it on every line of the request and on the access log', async () => {
    const correlationId = 'order-42:retry/1';
    const response = await fetch(`${base}/v1/claims/${CLAIM_ID}?customer=Northwind`, { headers: { 'x-correlation-id': correlationId } });
    expect(response.headers.get('x-correlation-id')).toBe(correlationId);
    expect(((await response.json()) as { context: unknown }).context).toEqual({ origin: 'http', service: 'intake', correlationId, claimId: CLAIM_ID });

    const access = await accessLine(correlationId);
    expect(access).toMatchObject({
      level: 'info',
      service: 'intake',
      correlationId,
      claimId: CLAIM_ID,
      status: 200,
      req: { method: 'GET', path: `/v1/claims/${CLAIM_ID}` },
      msg: expect.stringMatching(new RegExp(`^GET /v1/claims/${CLAIM_ID} 200 \\d+ ms$`)),
    });
    expect(access.durationMs).toEqual(expect.any(Number));
    expect(access).not.toHaveProperty('traceId');
    expect(JSON.stringify(access)).not.toContain('customer=');

    const inRequest = lines().find((line) => line.context === 'Probe' && line.correlationId === correlationId);
    expect(inRequest).toMatchObject({ level: 'info', service: 'intake', claimId: CLAIM_ID, msg: `looked at claim ${CLAIM_ID}`, req: { method: 'GET' } });
  });

  it('keeps the context of a request whose body is read first (JSON, multipart)', async () => {
    const json = await fetch(`${base}/v1/claims/${CLAIM_ID}/comments`, {
      method: 'POST',
      headers: { 'x-correlation-id': 'with-body-1', 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(90_000) }),
    });
    expect(((await json.json()) as { context: unknown }).context).toEqual({ origin: 'http', service: 'intake', correlationId: 'with-body-1', claimId: CLAIM_ID });
    expect(await accessLine('with-body-1')).toMatchObject({ claimId: CLAIM_ID, status: 200, req: { method: 'POST' } });
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(300_000)], { type: 'application/pdf' }), 'sow.pdf');
    const multipart = await fetch(`${base}/v1/claims/${CLAIM_ID}/poe`, { method: 'POST', headers: { 'x-correlation-id': 'with-body-2' }, body: form });
    expect(await multipart.json()).toEqual({ context: { origin: 'http', service: 'intake', correlationId: 'with-body-2' }, files: ['sow.pdf'] });
  });

  it('makes up a correlation id when none or an unusable one comes along', async () => {
    for (const headers of [{}, { 'x-correlation-id': 'has spaces in it' }, { 'x-correlation-id': 'x'.repeat(129) }] as Array<Record<string, string>>) {
      const response = await fetch(`${base}/v1/claims/${CLAIM_ID}`, { headers });
      const given = response.headers.get('x-correlation-id');
      expect(given).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(((await response.json()) as { context: { correlationId: string } }).context.correlationId).toBe(given);
      expect((await accessLine(given!)).status).toBe(200);
    }
  });

  it('adds the trace id of a traceparent, and only then', async () => {
    const correlationId = 'traced-1';
    await fetch(`${base}/v1/claims/${CLAIM_ID}`, { headers: { 'x-correlation-id': correlationId, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(await accessLine(correlationId)).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c' });
  });

  it('never logs a token, a consent link or an email address, in the path, the headers or a message', async () => {
    const correlationId = 'canary-1';
    const response = await fetch(`${base}/v1/consent/${CONSENT_TOKEN}?email=${encodeURIComponent(EMAIL)}`, {
      headers: { 'x-correlation-id': correlationId, authorization: `Bearer ${TOKEN}`, cookie: `session=${TOKEN}` },
    });
    expect(response.status).toBe(200);
    const access = await accessLine(correlationId);
    expect(access.req.path).toBe('/v1/consent/[redacted]');
    const mine = written.filter((line) => line.includes(correlationId));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    const warning = lines().find((line) => line.context === 'Probe' && line.correlationId === correlationId);
    expect(warning?.msg).toBe('link [redacted] of [email] opened with Bearer [redacted]; see http://127.0.0.1:3003/v1/consent/[redacted]');
    for (const line of written) {
      for (const secret of [TOKEN, CONSENT_TOKEN, EMAIL, ...TOKEN.split('.'), CONSENT_TOKEN.split('.')[1]!]) expect(line).not.toContain(secret);
    }
  });

  it('logs a failed request as an error with its status; probes only when they fail', async () => {
    const boom = await fetch(`${base}/boom`, { headers: { 'x-correlation-id': 'boom-1' } });
    expect(boom.status).toBe(500);
    expect(await accessLine('boom-1')).toMatchObject({ level: 'error', status: 500, req: { path: '/boom' } });
    await fetch(`${base}/health/live`, { headers: { 'x-correlation-id': 'probe-1' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines().filter((line) => line.correlationId === 'probe-1')).toEqual([]);
  });
});

describe('the service logger outside HTTP', () => {
  it('carries the context of the record in hand: correlation and event ids, topic, partition, offset', () => {
    const written: string[] = [];
    const logger = createServiceLogger('consent', { level: 'info', format: 'json' }, { write: (line) => written.push(line) }, []);
    runInRequestContext({ service: 'consent', correlationId: 'c-9', eventId: 'e-1', claimId: CLAIM_ID, topic: 'cpor.claim-events.v1', partition: 2, offset: '17' }, () =>
      logger.info('handled'),
    );
    logger.info('between records');
    const [inRecord, outside] = written.map((line) => JSON.parse(line) as Line);
    expect(Object.keys(inRecord!)).toEqual(['level', 'time', 'pid', 'hostname', 'service', 'correlationId', 'claimId', 'eventId', 'topic', 'partition', 'offset', 'msg']);
    expect(inRecord).toMatchObject({ level: 'info', service: 'consent', correlationId: 'c-9', eventId: 'e-1', topic: 'cpor.claim-events.v1', partition: 2, offset: '17', msg: 'handled' });
    expect(outside).toMatchObject({ service: 'consent', msg: 'between records' });
    expect(outside).not.toHaveProperty('correlationId');
  });

  it('replaces configured secrets and sensitive keys of logged objects', () => {
    const written: string[] = [];
    const logger = createServiceLogger('notifications', { level: 'info', format: 'json' }, { write: (line) => written.push(line) }, ['super-secret-smtp-password', 'short']);
    logger.error({ err: new Error('auth failed for super-secret-smtp-password'), smtp: { password: 'hunter2hunter2' }, headers: { authorization: 'x' } }, 'send failed');
    const line = written.join('');
    expect(line).not.toContain('super-secret-smtp-password');
    expect(line).not.toContain('hunter2hunter2');
    expect(JSON.parse(line)).toMatchObject({ smtp: { password: '[redacted]' }, headers: '[redacted]' });
  });

  it('renders human-readable text with LOG_FORMAT=pretty, scrubbed as well', () => {
    const written: string[] = [];
    const logger = createServiceLogger('intake', { level: 'info', format: 'pretty' }, { write: (line) => written.push(line) }, []);
    runInRequestContext({ correlationId: 'c-1' }, () => logger.info({ context: 'ClaimLedger' }, `mail to ${EMAIL}`));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/INFO.*\[ClaimLedger\] mail to \[email\].*"correlationId":"c-1"/);
    expect(written[0]!.split('\n').filter(Boolean)).toHaveLength(1);
  });
});

describe('log settings', () => {
  it('default to info, JSON when standard output is not a terminal, pretty when it is', () => {
    expect(logSettingsFromEnv({}, false)).toEqual({ level: 'info', format: 'json' });
    expect(logSettingsFromEnv({}, true)).toEqual({ level: 'info', format: 'pretty' });
    expect(logSettingsFromEnv({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }, true)).toEqual({ level: 'debug', format: 'json' });
    expect(logSettingsFromEnv({ LOG_LEVEL: '', LOG_FORMAT: '' }, false)).toEqual({ level: 'info', format: 'json' });
  });

  it('refuse what they do not know', () => {
    expect(() => logSettingsFromEnv({ LOG_LEVEL: 'loud' }, false)).toThrow('Invalid configuration: LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent');
    expect(() => logSettingsFromEnv({ LOG_FORMAT: 'xml' }, false)).toThrow('Invalid configuration: LOG_FORMAT="xml": expected one of json, pretty');
  });
});

describe('redaction of finished lines', () => {
  it('keeps the JSON valid around escapes and replaces what must not be there', () => {
    const line = JSON.stringify({ msg: `to\n${EMAIL}\u001b${EMAIL} auth: Bearer abc.def "${TOKEN}" /v1/consent/${CONSENT_TOKEN}?x=1` }) + '\n';
    const scrubbed = scrubLogText(line);
    expect(JSON.parse(scrubbed)).toEqual({ msg: 'to\n[email]\u001b[email] auth: Bearer [redacted] "[redacted]" /v1/consent/[redacted]?x=1' });
  });

  it('leaves ids, paths and ordinary text alone', () => {
    const text = `claim ${CLAIM_ID} v3 at /v1/claims/${CLAIM_ID}/submit: 412 (expected 2), cpor.claim-events.v1/2@17`;
    expect(scrubLogText(text)).toBe(text);
    expect(logScrubber(['abc'])(text)).toBe(text);
  });

  it('logs request paths without query string, fragment or consent token', () => {
    expect(loggablePath(`/v1/claims?customer=Jane%20Doe&cursor=x`)).toBe('/v1/claims');
    expect(loggablePath(`/v1/consent/${CONSENT_TOKEN}#top`)).toBe('/v1/consent/[redacted]');
    expect(loggablePath(undefined)).toBe('/');
  });
});
