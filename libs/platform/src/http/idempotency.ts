import { applyDecorators, BadRequestException, createParamDecorator, HttpException, HttpStatus, Inject, Injectable, Logger, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { from, mergeMap, of, type Observable } from 'rxjs';
import { CLOCK, MAX_JSON_DEPTH, valueTooDeep, type Clock } from '@cpor/kernel';
import { IdempotentAnswerRepository } from '@cpor/persistence';
import type { Principal } from '../auth/principal.js';
import { SERVICE_CONFIG, type ServiceConfig } from '../service-config.js';

/** How long a first answer is kept for repeats of its Idempotency-Key. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** Expired answers are deleted at most this often, by whichever request comes along (no timer to stop). */
const SWEEP_EVERY_MS = 60 * 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface IdempotentRequest extends Request {
  principal?: Principal;
  files?: Array<{ originalname: string; buffer: Buffer }>;
  idempotencyCommandId?: string;
}

/**
 * The command id a keyed request gives the claim ledger: the ledger applies a command id once,
 * so a repeat changes nothing even when it races the first. Undefined without a key.
 */
export const IdempotencyCommandId = createParamDecorator((_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<IdempotentRequest>().idempotencyCommandId);

/**
 * `Idempotency-Key` (IETF httpapi draft): a repeat with the same key and request gets the first
 * (successful) answer again, marked `Idempotent-Replayed: true`, without a second effect; the same
 * key with another request is 422. Only successes are kept: a refused request changed nothing,
 * so repeating it simply asks again. Keys are scoped to the service and the caller and kept for
 * IDEMPOTENCY_KEY_TTL_MS.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly answers: IdempotentAnswerRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  private lastSweep = 0;
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = request.header('idempotency-key');
    if (key === undefined) return next.handle();
    if (!KEY_PATTERN.test(key)) throw new BadRequestException(['Idempotency-Key must be 1 to 255 visible ASCII characters']);

    const id = sha256(`${this.config.service}\n${request.principal?.partnerId ?? ''}\n${request.principal?.sub ?? ''}\n${key}`);
    const fingerprint = requestFingerprint(request);
    const stored = await this.answers.find(id, this.clock.now());
    if (stored) return of(this.replay(stored.fingerprint, fingerprint, stored.body, response));

    request.idempotencyCommandId = `http:${id}`;
    const status = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) ?? (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    return next.handle().pipe(
      mergeMap((body) =>
        from(
          (async () => {
            const now = this.clock.now();
            this.sweepNowAndThen(now);
            let first: { fingerprint: string; body: unknown };
            try {
              first = await this.answers.remember({ _id: id, fingerprint, status, body, createdAt: now, expiresAt: new Date(now.getTime() + IDEMPOTENCY_KEY_TTL_MS) });
            } catch (error) {
              // The request is applied: its answer must not become an error. A repeat of the key
              // is then not answered from the store but applied again under the same command id,
              // which the claim ledger applies once.
              this.logger.warn(`the answer to an Idempotency-Key was not kept (${error instanceof Error ? error.name : 'unknown error'}); a repeat is applied once by its command id`);
              return body;
            }
            return first.fingerprint === fingerprint && first.body === body ? body : this.replay(first.fingerprint, fingerprint, first.body, response);
          })(),
        ),
      ),
    );
  }

  private sweepNowAndThen(now: Date): void {
    if (now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    // Off the request's path; a failed sweep is retried an hour later.
    void this.answers.sweepExpired(now).catch(() => undefined);
  }

  private replay(storedFingerprint: string, fingerprint: string, body: unknown, response: Response): unknown {
    if (storedFingerprint !== fingerprint) {
      throw new HttpException({ code: 'idempotency-key-reused', message: 'This Idempotency-Key was first used with a different request; use a new key' }, HttpStatus.UNPROCESSABLE_ENTITY);
    }
    response.setHeader('Idempotent-Replayed', 'true');
    return body;
  }
}

/** What makes two requests "the same": method, path, If-Match, the JSON body (keys sorted) and the files' bytes. */
function requestFingerprint(request: IdempotentRequest): string {
  // Before canonical() recurses into the body (the depth pipe runs only after interceptors).
  if (valueTooDeep(request.body ?? null)) throw new BadRequestException([`body nests deeper than ${MAX_JSON_DEPTH} levels`]);
  const files = (request.files ?? []).map((file) => `${file.originalname}:${sha256(file.buffer)}`);
  return sha256(JSON.stringify([request.method, request.path, request.header('if-match') ?? null, canonical(request.body ?? null), files]));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  }
  return value;
}

function sha256(input: string | Buffer): string {
  return createHash('sha256').update(input).digest('hex');
}

/**
 * Marks a POST as idempotent by key: the interceptor after any given before it (an upload's
 * file interceptor must run first, so the files are part of the fingerprint), and the header
 * and the 422 in the OpenAPI document.
 */
export function Idempotent(...interceptorsBefore: Array<NestInterceptor | (new (...args: never[]) => NestInterceptor)>): MethodDecorator {
  return applyDecorators(
    UseInterceptors(...(interceptorsBefore as never[]), IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: `A key of your choice (1-255 visible ASCII characters, a UUID is ideal). A repeat with the same key and request gets the first answer again (Idempotent-Replayed: true) without a second effect, for ${IDEMPOTENCY_KEY_TTL_MS / 3_600_000} hours.`,
      schema: { type: 'string', example: '8e0f7a52-3f0c-4d39-9a53-0c1f5e8f2b11' },
    }),
    ApiResponse({ status: 422, description: 'The Idempotency-Key was first used with a different request' }),
  );
}
