import { createHash } from 'node:crypto';
import { Injectable, Inject } from '@nestjs/common';
import { REQUEST_REJECTED_TYPE, TOPICS, type ClaimRequestRejection } from '@cpor/contracts';
import { KafkaPublisher, type KafkaRecordInfo } from '@cpor/messaging';
import { CLOCK, type Clock } from '@cpor/kernel';

/**
 * Answers an invalid upstream request on `cpor.claim-requests.rejected.v1` with the original
 * payload and every problem. The rejection id is derived from the source record, so a replay
 * republishes the same rejection instead of a new one.
 */
@Injectable()
export class RequestRejections {
  constructor(
    private readonly publisher: KafkaPublisher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async reject(record: KafkaRecordInfo, raw: string, errors: string[], request: { id?: string; type?: string } = {}): Promise<void> {
    const source = { topic: record.topic, partition: record.partition, offset: record.offset };
    const id = createHash('sha256').update(`${source.topic}:${source.partition}:${source.offset}`).digest('hex').slice(0, 32);
    const data: ClaimRequestRejection = {
      requestId: request.id ?? record.headers['ce_id'] ?? null,
      requestType: request.type ?? record.headers['ce_type'] ?? null,
      source,
      errors,
      originalPayload: raw,
      originalHeaders: record.headers,
      rejectedAt: this.clock.now().toISOString(),
    };
    await this.publisher.publish([
      {
        topic: TOPICS.claimRequestsRejected,
        event: {
          id: `rejected-${id}`,
          type: REQUEST_REJECTED_TYPE,
          source: 'cpor/intake',
          subject: record.key ?? data.requestId ?? id,
          time: data.rejectedAt,
          data,
          ...(data.requestId ? { causationId: data.requestId } : {}),
        },
      },
    ]);
  }
}
