import { createHash } from 'node:crypto';
import { Injectable, Inject } from '@nestjs/common';
import { REQUEST_REJECTED_TYPE, TOPICS, type ClaimRequestRejection } from '@cpor/contracts';
import { KafkaPublisher, type KafkaRecordInfo } from '@cpor/messaging';
import { CLOCK, type Clock } from '@cpor/kernel';
import { RefusedRequestRepository, type RefusedRequest } from '@cpor/persistence';

const hashed = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

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
    const data: ClaimRequestRejection = {
      requestId: request.id ?? record.headers['ce_id'] ?? null,
      requestType: request.type ?? record.headers['ce_type'] ?? null,
      source,
      errors,
      originalPayload: raw,
      originalHeaders: record.headers,
      rejectedAt: this.clock.now().toISOString(),
    };
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
