import { BadRequestException } from '@nestjs/common';

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
