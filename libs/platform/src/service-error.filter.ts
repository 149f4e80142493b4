import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '@cpor/domain';
import { isTransient } from '@cpor/kernel';
import { VersionConflictError } from '@cpor/persistence';
import { PROBLEM_CONTENT_TYPE, problem, problemCodeForStatus, type Problem } from './http/problem.js';

/** Turns any error into the problem it is: the one mapping from errors to HTTP answers. */
export function toProblem(exception: unknown, instance?: string): Problem {
  if (exception instanceof DomainError) {
    return problem(exception.code, exception.message, { instance, extensions: exception.details });
  }
  if (exception instanceof VersionConflictError) {
    const extensions = { currentVersion: exception.currentVersion, expectedVersion: exception.expectedVersion };
    return problem(exception.precondition ? 'precondition-failed' : 'version-conflict', exception.message, { instance, extensions });
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
    const own = typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
    const code = typeof own === 'string' ? own : problemCodeForStatus(status);
    if (Array.isArray(message)) {
      // The validation pipe's list: every problem, each naming its field.
      return problem(code, 'The request is invalid', { status, instance, extensions: { errors: message.map(String) } });
    }
    // Anything else the exception carries (readiness: mongo, consumers) stays, as extension members.
    const { message: _message, error: _error, statusCode: _statusCode, code: _code, ...extensions } = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    return problem(code, typeof message === 'string' ? message : exception.message, { status, instance, extensions });
  }
  if (isTransient(exception)) return problem('unavailable', 'A dependency is unavailable; retry shortly', { instance });
  return problem('internal', 'Internal server error', { instance });
}

/**
 * The one error filter of every service, applied by the chassis to HTTP and Kafka handlers alike.
 * HTTP: RFC 9457 problem details (see ./http/problem.ts). Kafka: the handler's own error is
 * rethrown to the transport, which retries or dead-letters it with its message (Nest's default
 * RPC filter would replace any error but an RpcException with "Internal server error").
 */
@Catch()
export class ServiceErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ServiceError');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<Request>();
    sendProblem(host.switchToHttp().getResponse<Response>(), exception, request.originalUrl?.split('?')[0], this.logger);
  }
}

/**
 * Answers `exception` as its problem: Retry-After for an outage, the error logged when it is a
 * fault. The filter's answer, and a file download's when its stream fails before the first byte.
 */
export function sendProblem(response: Response, exception: unknown, instance: string | undefined, logger: Logger): void {
  const body = toProblem(exception, instance);
  if (body.code === 'unavailable') {
    // The store or broker is unreachable (or the claim is busy): the request may simply be retried.
    logger.warn(`dependency unavailable: ${(exception as Error).name}`);
    response.setHeader('Retry-After', '5');
  } else if (body.code === 'internal') {
    logger.error(`unhandled error: ${(exception as Error)?.message ?? String(exception)}`, (exception as Error)?.stack);
  }
  response.setHeader('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  response.status(body.status).json(body);
}
