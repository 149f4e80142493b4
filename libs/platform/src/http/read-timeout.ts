import { Inject, Injectable, ServiceUnavailableException, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { throwError, timeout, type Observable } from 'rxjs';
import { SERVICE_CONFIG, type ServiceConfig } from '../service-config.js';

/**
 * A read (GET, HEAD) that has no answer within HTTP_READ_TIMEOUT_MS answers 503 with Retry-After:
 * the store is slow or away, and the caller may simply ask again. Only reads: a write that
 * outlived a timeout might still be applied, and an applied write must never answer 5xx; writes
 * are bounded by the store's own timeouts (MONGO_SERVER_SELECTION_TIMEOUT_MS) instead.
 */
@Injectable()
export class ReadTimeoutInterceptor implements NestInterceptor {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const method = context.switchToHttp().getRequest<Request>().method;
    if (method !== 'GET' && method !== 'HEAD') return next.handle();
    const ms = this.config.httpReadTimeoutMs;
    return next.handle().pipe(
      timeout({ first: ms, with: () => throwError(() => new ServiceUnavailableException(`No answer within ${ms} ms (the store is slow or away); retry shortly`)) }),
    );
  }
}
