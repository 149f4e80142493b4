import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainError } from '@cpor/domain';
import { isTransient } from '@cpor/kernel';
import { VersionConflictError } from '@cpor/persistence';

const STATUS_BY_CODE: Record<string, number> = {
  'invalid-command': 400,
  forbidden: 403,
  'not-found': 404,
  'invalid-state': 409,
  'window-closed': 409,
  'version-conflict': 409,
};

/**
 * The one error filter of every service, applied by the chassis to HTTP and Kafka handlers alike.
 * HTTP: one JSON error shape, `{ statusCode, error, message, details }`; domain refusals keep
 * their code and details (current status, allowed states, every problem). Kafka: the handler's
 * own error is rethrown to the transport, which retries or dead-letters it with its message
 * (Nest's default RPC filter would replace any error but an RpcException with "Internal server error").
 */
@Catch()
export class ServiceErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ServiceError');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void } }>();
    if (exception instanceof DomainError) {
      const statusCode = STATUS_BY_CODE[exception.code] ?? 400;
      response.status(statusCode).json({ statusCode, error: exception.code, message: exception.message, details: exception.details });
      return;
    }
    if (exception instanceof VersionConflictError) {
      response.status(409).json({ statusCode: 409, error: exception.code, message: exception.message, details: { expectedVersion: exception.expectedVersion } });
      return;
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
      response.status(statusCode).json({
        statusCode,
        error: typeof body === 'object' && body !== null ? ((body as { error?: string }).error ?? exception.name) : exception.name,
        message: Array.isArray(message) ? 'Request is invalid' : message,
        ...(Array.isArray(message) ? { details: { errors: message } } : {}),
      });
      return;
    }
    if (isTransient(exception)) {
      // The store or broker is unreachable (or the claim is busy): the request may simply be retried.
      this.logger.warn(`dependency unavailable: ${(exception as Error).name}`);
      (response as unknown as { setHeader(name: string, value: string): void }).setHeader('Retry-After', '5');
      response.status(503).json({ statusCode: 503, error: 'unavailable', message: 'A dependency is unavailable; retry shortly' });
      return;
    }
    this.logger.error(`unhandled error: ${(exception as Error)?.message ?? String(exception)}`, (exception as Error)?.stack);
    response.status(500).json({ statusCode: 500, error: 'internal', message: 'Internal server error' });
  }
}
