import { createHash } from 'node:crypto';

/**
 * The id of a claim created by a request, derived from the request's id (the CloudEvents `ce_id`
 * of a `cpor.claim-request.create.v1`, or the Idempotency-Key behind an HTTP create): a retry
 * finds the claim it made, and an upstream system can compute the id of its claim in advance.
 * UUID-shaped: the first 32 hex digits of SHA-256("cpor-claim-request:" + requestId), with the
 * version digit set to 5 and the variant digit to 8 (docs/topics.md).
 */
export function claimIdForRequest(requestId: string): string {
  const hex = createHash('sha256').update(`cpor-claim-request:${requestId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
