import type { CloudEvent, DecodeResult, RecordView } from '@cpor/contracts';

/**
 * Pattern of the handler that receives a topic's records which could not be decoded or whose
 * type no handler claims, e.g. `@EventPattern(unmatchedOn(TOPICS.claimRequests))` in intake to
 * reject invalid requests. Without such a handler, undecodable records are dead-lettered and
 * unknown types are skipped.
 */
export function unmatchedOn(logicalTopic: string): string {
  return `unmatched:${logicalTopic}`;
}

/** Payload of an `unmatchedOn(topic)` handler. Never log `raw` or `headers`: they may carry personal data. */
export interface UnmatchedRecord {
  /** The record value as UTF-8 text ('' for a null value). */
  raw: string;
  /** Every decoding problem, or `no handler for type <type>`. */
  errors: string[];
  headers: Record<string, string>;
  key: string | null;
  /** The decoded event when the record was valid but its type has no handler. */
  event?: CloudEvent;
}

export type RecordRoute =
  | { kind: 'handle'; pattern: string; payload: CloudEvent; type: string }
  | { kind: 'unmatched'; pattern: string; payload: UnmatchedRecord; type: string }
  | { kind: 'dead-letter'; reason: string; type: string }
  | { kind: 'skip'; type: string };

/** Label used in metrics and logs when a record has no usable type. */
export const UNKNOWN_TYPE = 'unknown';

/**
 * Decides what happens to one consumed record. Dispatch is by CloudEvents type, not by topic:
 * 1. decodable and a handler exists for its type -> that handler;
 * 2. otherwise, a handler for `unmatchedOn(topic)` exists -> it gets the raw record and the errors;
 * 3. otherwise undecodable -> dead-letter topic;
 * 4. otherwise (a valid type this service does not read) -> skipped and counted.
 */
export function routeRecord(decoded: DecodeResult, record: RecordView, logicalTopic: string, hasHandler: (pattern: string) => boolean): RecordRoute {
  if (decoded.ok && hasHandler(decoded.event.type)) {
    return { kind: 'handle', pattern: decoded.event.type, payload: decoded.event, type: decoded.event.type };
  }
  const type = decoded.ok ? decoded.event.type : record.headers['ce_type'] || UNKNOWN_TYPE;
  const unmatchedPattern = unmatchedOn(logicalTopic);
  if (hasHandler(unmatchedPattern)) {
    const payload: UnmatchedRecord = decoded.ok
      ? { raw: record.raw, errors: [`no handler for type ${type}`], headers: record.headers, key: record.key, event: decoded.event }
      : { raw: record.raw, errors: decoded.errors, headers: record.headers, key: record.key };
    return { kind: 'unmatched', pattern: unmatchedPattern, payload, type };
  }
  if (!decoded.ok) return { kind: 'dead-letter', reason: `undecodable record: ${decoded.errors.join('; ')}`, type };
  return { kind: 'skip', type };
}
