import { applyDecorators, BadRequestException, createParamDecorator, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { map, type Observable } from 'rxjs';

/**
 * Parses `If-Match: "7"` (or 7, W/"7") into the claim version the caller read; `*` or no header
 * means any version. Anything else is a 400, never silently ignored.
 */
export function parseIfMatch(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const version = Number(ifMatch.trim().replace(/^W\//, '').replaceAll('"', ''));
  if (ifMatch.trim() === '' || !Number.isInteger(version) || version < 1) {
    throw new BadRequestException(`If-Match must be the claim version you read, e.g. "7" (got ${JSON.stringify(ifMatch.slice(0, 40))})`);
  }
  return version;
}

/** The claim version the caller read, from If-Match (undefined: any version). */
export const IfMatchVersion = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  parseIfMatch(context.switchToHttp().getRequest<Request>().header('if-match')),
);

/** Documents the optional If-Match of an operation that changes a claim, and its 412. */
export function ApiIfMatch(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'The claim version you read (its ETag, e.g. "7"). A claim at another version answers 412 and changes nothing; without it the action applies to the current version.',
      schema: { type: 'string', example: '"7"' },
    }),
    ApiResponse({ status: 412, description: 'If-Match names a version the claim is no longer at (problem details with currentVersion)' }),
  );
}

/** `"7"`: the strong entity tag of a claim at version 7. */
export function claimETag(version: number): string {
  return `"${version}"`;
}

/**
 * Every answer that is one claim (it has an id and an integer version) carries that version as a
 * strong ETag, so a client can send it back in If-Match.
 */
@Injectable()
export class ClaimETagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((body: unknown) => {
        const version = (body as { version?: unknown } | null)?.version;
        if (typeof version === 'number' && Number.isInteger(version) && typeof (body as { id?: unknown }).id === 'string') {
          response.setHeader('ETag', claimETag(version));
        }
        return body;
      }),
    );
  }
}
