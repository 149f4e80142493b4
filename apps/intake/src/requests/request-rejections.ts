import { createHash } from 'node:crypto';
import { Injectable, Inject } from '@nestjs/common';
import { REQUEST_REJECTED_TYPE, TOPICS, type ClaimRequestRejection } from '@cpor/contracts';
import { KafkaPublisher, type KafkaRecordInfo } from '@cpor/messaging';
import { CLOCK, type Clock } from '@cpor/kernel';
import { RefusedRequestRepository, type RefusedRequest } from '@cpor/persistence';

const hashed = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

/**
 * The most a rejection's data may take as JSON. The broker refuses records over 1 MB (its
 * default), and a request near that size, escaped as JSON text (a control byte becomes six), would
 * make a rejection the broker refuses: the request would be dead-lettered instead of answered.
 */
export const MAX_REJECTION_BYTES = 512 * 1024;
/** Each original header value is cut to this many characters when the rejection must be cut. */
const MAX_HEADER_CHARS = 1024;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * The rejection as it is, or, when it would take more than MAX_REJECTION_BYTES, with the longest
 * start of the original payload that fits (and the headers cut), marked as cut with the payload's
 * full size. The whole record stays on the request topic at `source`.
 */
export function fitted(data: ClaimRequestRejection): ClaimRequestRejection {
  if (jsonBytes(data) <= MAX_REJECTION_BYTES) return data;
  const originalHeaders = Object.fromEntries(Object.entries(data.originalHeaders).map(([name, value]) => [name, value.slice(0, MAX_HEADER_CHARS)]));
  const cut = { ...data, originalHeaders, originalPayloadTruncated: true, originalPayloadBytes: Buffer.byteLength(data.originalPayload) };
  // The longest prefix whose JSON fits: escaping makes its size no simple function of its length.
  let [low, high] = [0, data.originalPayload.length];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (jsonBytes({ ...cut, originalPayload: data.originalPayload.slice(0, middle) }) <= MAX_REJECTION_BYTES) low = middle;
    else high = middle - 1;
  }
  return { ...cut, originalPayload: data.originalPayload.slice(0, low) };
}

/**
 * Answers an invalid upstream request on `cpor.claim-requests.rejected.v1` with the original
 * payload and every problem.
 *
 * A request with an id is refused once: its rejection is kept under the id (before it is
 * published), and every later copy of the request, however much later (an upstream duplicate,
 * `ops replay`), gets that same rejection again, same id and all, instead of being decided again
 * on a claim that may have changed since. An undecodable record, which has no id to trust, is
 * answered under an id derived from its place in the topic, so a replay of it republishes the same
 * rejection too.
 */
@Injectable()
export class RequestRejections {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly refused: RefusedRequestRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async reject(record: KafkaRecordInfo, raw: string, errors: string[], request: { id?: string; type?: string } = {}): Promise<void> {
    const source = { topic: record.topic, partition: record.partition, offset: record.offset };
    const data: ClaimRequestRejection = fitted({
      requestId: request.id ?? record.headers['ce_id'] ?? null,
      requestType: request.type ?? record.headers['ce_type'] ?? null,
      source,
      errors,
      originalPayload: raw,
      originalHeaders: record.headers,
      rejectedAt: this.clock.now().toISOString(),
    });
    const id = request.id ? hashed(`request:${request.id}`) : hashed(`${source.topic}:${source.partition}:${source.offset}`);
    // `||`: an empty key is no subject (a rejection without one could not be read back).
    const rejection = { id: `rejected-${id}`, subject: record.key || data.requestId || id, data };
    if (!request.id) return this.publish(rejection);
    const kept = await this.refused.remember({ _id: request.id, rejection, refusedAt: this.clock.now() });
    await this.publish(kept.rejection);
  }

  /** A request refused before gets its rejection again: true when there was one to republish. */
  async repeatIfRefused(requestId: string): Promise<boolean> {
    const kept = await this.refused.find(requestId);
    if (!kept) return false;
    await this.publish(kept.rejection);
    return true;
  }

  private async publish({ id, subject, data }: RefusedRequest['rejection']): Promise<void> {
    const requestId = (data as ClaimRequestRejection).requestId;
    await this.publisher.publish([
      {
        topic: TOPICS.claimRequestsRejected,
        event: {
          id,
          type: REQUEST_REJECTED_TYPE,
          source: 'cpor/intake',
          subject,
          time: (data as ClaimRequestRejection).rejectedAt,
          data,
          ...(requestId ? { causationId: requestId } : {}),
        },
      },
    ]);
  }
}
