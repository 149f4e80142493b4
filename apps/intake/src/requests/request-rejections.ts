import { createHash } from 'node:crypto';
import { Injectable, Inject } from '@nestjs/common';
import { REQUEST_REJECTED_TYPE, TOPICS, type ClaimRequestRejection } from '@cpor/contracts';
import { KafkaPublisher, type KafkaRecordInfo } from '@cpor/messaging';
import { CLOCK, type Clock } from '@cpor/kernel';
import { RefusedRequestRepository } from '@cpor/persistence';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The most a rejection's data may take as JSON. The broker refuses records over 1 MB (its
 * default), and a request near that size, escaped as JSON text (a control byte becomes six), would
 * make a rejection the broker refuses: the request would be dead-lettered instead of answered.
 */
export const MAX_REJECTION_BYTES = 512 * 1024;
/** When a rejection must be cut: each error, header name and header value to this many characters... */
const MAX_TEXT_CHARS = 1024;
/** ...and its errors to this many (a request with 100,000 unknown fields has as many errors). */
const MAX_ERRORS = 100;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** `text` cut to `length` characters, never between the two halves of a surrogate pair. */
function prefix(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}

/**
 * The rejection as it is, or, when it would take more than MAX_REJECTION_BYTES, with its errors
 * and headers cut and the longest start of the original payload that fits, marked as cut with the
 * payload's full size. The whole record stays on the request topic at `source`.
 */
export function fitted(data: ClaimRequestRejection): ClaimRequestRejection {
  if (jsonBytes(data) <= MAX_REJECTION_BYTES) return data;
  const errors = data.errors.length > MAX_ERRORS ? [...data.errors.slice(0, MAX_ERRORS), `... and ${data.errors.length - MAX_ERRORS} more`] : data.errors;
  const cut = {
    ...data,
    errors: errors.map((error) => prefix(error, MAX_TEXT_CHARS)),
    originalHeaders: Object.fromEntries(Object.entries(data.originalHeaders).map(([name, value]) => [prefix(name, MAX_TEXT_CHARS), prefix(value, MAX_TEXT_CHARS)])),
    originalPayloadTruncated: true,
    originalPayloadBytes: Buffer.byteLength(data.originalPayload),
  };
  // The longest prefix whose JSON fits: escaping makes its size no simple function of its length.
  let [low, high] = [0, data.originalPayload.length];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (jsonBytes({ ...cut, originalPayload: data.originalPayload.slice(0, middle) }) <= MAX_REJECTION_BYTES) low = middle;
    else high = middle - 1;
  }
  return { ...cut, originalPayload: prefix(data.originalPayload, low) };
}

/** A decoded request: what identifies it (CloudEvents: `source` and `id` together) and its type. */
export interface RequestIdentity {
  id: string;
  source: string;
  type: string;
}

interface RejectionEvent {
  id: string;
  subject: string;
  data: ClaimRequestRejection;
}

/**
 * Answers an upstream request intake cannot accept on `cpor.claim-requests.rejected.v1`, with the
 * original payload and every problem.
 *
 * A request the rules refused is refused once: its rejection is kept (before it is published)
 * under the request's source and id, and a later copy of the same request (same type and value),
 * however much later (an upstream duplicate, `ops replay`), gets that same rejection again, same
 * id and all, instead of being decided again on a claim that may have changed since. An invalid
 * or undecodable request needs no keeping: the same record is refused the same way again, under
 * the same rejection id (from the request's identity and value, or, with no identity to trust,
 * from its place in the topic).
 */
@Injectable()
export class RequestRejections {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly refused: RefusedRequestRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** An undecodable or invalid request: answered, not kept. */
  async reject(record: KafkaRecordInfo, raw: string, errors: string[], request?: RequestIdentity): Promise<void> {
    await this.publish(this.rejection(record, raw, errors, request && identify(request, raw)));
  }

  /** A request the rules refused: kept under its identity, then answered. */
  async refuse(record: KafkaRecordInfo, raw: string, errors: string[], request: RequestIdentity): Promise<void> {
    const identity = identify(request, raw);
    const rejection = this.rejection(record, raw, errors, identity);
    const kept = await this.refused.remember({ _id: identity.key, fingerprint: identity.fingerprint, rejection: JSON.stringify(rejection), refusedAt: this.clock.now() });
    await this.publish(kept.fingerprint === identity.fingerprint ? (JSON.parse(kept.rejection) as RejectionEvent) : rejection);
  }

  /** A request the rules refused before gets its rejection again: true when there was one. */
  async repeatIfRefused(request: RequestIdentity, raw: string): Promise<boolean> {
    const { key, fingerprint } = identify(request, raw);
    const kept = await this.refused.find(key);
    // The same id with another type or value is another request (an id reused): decided anew.
    if (!kept || kept.fingerprint !== fingerprint) return false;
    await this.publish(JSON.parse(kept.rejection) as RejectionEvent);
    return true;
  }

  private rejection(record: KafkaRecordInfo, raw: string, errors: string[], identity?: RefusalIdentity): RejectionEvent {
    const source = { topic: record.topic, partition: record.partition, offset: record.offset };
    const data = fitted({
      requestId: identity?.request.id ?? record.headers['ce_id'] ?? null,
      requestType: identity?.request.type ?? record.headers['ce_type'] ?? null,
      source,
      errors,
      originalPayload: raw,
      originalHeaders: record.headers,
      rejectedAt: this.clock.now().toISOString(),
    });
    const id = sha256(identity ? `${identity.key}:${identity.fingerprint}` : `${source.topic}:${source.partition}:${source.offset}`).slice(0, 32);
    // `||`: an empty key is no subject (a rejection without one could not be read back).
    return { id: `rejected-${id}`, subject: record.key || data.requestId || id, data };
  }

  private async publish({ id, subject, data }: RejectionEvent): Promise<void> {
    await this.publisher.publish([
      {
        topic: TOPICS.claimRequestsRejected,
        event: {
          id,
          type: REQUEST_REJECTED_TYPE,
          source: 'cpor/intake',
          subject,
          time: data.rejectedAt,
          data,
          ...(data.requestId ? { causationId: data.requestId } : {}),
        },
      },
    ]);
  }
}

interface RefusalIdentity {
  request: RequestIdentity;
  /** A hash of the request's source and id. */
  key: string;
  /** A hash of its type and value. */
  fingerprint: string;
}

function identify(request: RequestIdentity, raw: string): RefusalIdentity {
  return { request, key: sha256(`${request.source}\n${request.id}`), fingerprint: sha256(`${request.type}\n${raw}`) };
}
