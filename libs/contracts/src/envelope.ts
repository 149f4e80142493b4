import { jsonTextTooDeep, MAX_JSON_DEPTH } from '@cpor/kernel';

/**
 * CloudEvents 1.0 envelope and its Kafka protocol binding in binary mode (DESIGN section 3):
 * attributes travel as `ce_*` headers, datacontenttype as `content-type`, the value is the JSON
 * data, the key is the subject (claimId). `cloudevents-binding.spec.ts` checks both directions
 * against the `cloudevents` SDK's Kafka binding.
 * Pure functions only: no Kafka client here, so every service and test can use them.
 */
export interface CloudEvent<T = unknown> {
  /** Stable event id: consumers deduplicate on it, redrive keeps it. */
  id: string;
  /** Versioned type, e.g. `cpor.claim.submitted.v1`. Consumers dispatch on it. */
  type: string;
  /** Producing service, e.g. `cpor/intake` (a URI reference). */
  source: string;
  /** The claimId. Also the Kafka key, so one claim's events stay in order. */
  subject: string;
  /** RFC 3339 timestamp of the occurrence (ours: `Date#toISOString()`). */
  time: string;
  data: T;
  claimVersion?: number;
  correlationId?: string;
  causationId?: string;
  /** W3C trace context: the record's `traceparent` header, not a CloudEvents attribute. */
  traceparent?: string;
}

export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const JSON_CONTENT_TYPE = 'application/json';

/** Kafka header names of the binary-mode binding. */
export const CE_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  subject: 'ce_subject',
  contentType: 'content-type',
  claimVersion: 'ce_claimversion',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
  traceparent: 'traceparent',
} as const;

/** A record as produced: headers are plain strings. */
export interface KafkaEventMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** A record as consumed: header values arrive as Buffers (arrays when a header repeats). */
export interface IncomingKafkaMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
}

export type DecodeResult<T = unknown> =
  | { ok: true; event: CloudEvent<T> }
  | { ok: false; errors: string[]; raw: string };

export function toKafkaMessage(event: CloudEvent): KafkaEventMessage {
  const headers: Record<string, string> = {
    [CE_HEADERS.specversion]: CLOUDEVENTS_SPEC_VERSION,
    [CE_HEADERS.id]: event.id,
    [CE_HEADERS.source]: event.source,
    [CE_HEADERS.type]: event.type,
    [CE_HEADERS.time]: event.time,
    [CE_HEADERS.subject]: event.subject,
    [CE_HEADERS.contentType]: JSON_CONTENT_TYPE,
  };
  if (event.claimVersion !== undefined) headers[CE_HEADERS.claimVersion] = String(event.claimVersion);
  if (event.correlationId !== undefined) headers[CE_HEADERS.correlationId] = event.correlationId;
  if (event.causationId !== undefined) headers[CE_HEADERS.causationId] = event.causationId;
  if (event.traceparent !== undefined) headers[CE_HEADERS.traceparent] = event.traceparent;
  // JSON.stringify(undefined) is undefined: send JSON null so the value is always valid JSON.
  const value = Buffer.from(JSON.stringify(event.data ?? null), 'utf8');
  return { key: event.subject, value, headers };
}

/** Header values as strings; a repeated header counts by its last value (Kafka's `lastHeader`). */
export function headersToStrings(headers: IncomingKafkaMessage['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    result[name] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return result;
}

function asString(value: Buffer | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}

/** RFC 3339 `date-time` (section 5.6), which CloudEvents requires of `time`. */
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 timestamp naming a real instant: not `Date.parse`, which also takes `June 1, 2020`
 * or `2020-06-01` and rolls 2020-02-30 over to March. Leap seconds (`:60`) are refused, as by `Date`.
 */
function isRfc3339Timestamp(value: string): boolean {
  const match = RFC_3339.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = match.slice(1).map((part) => Number(part ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
}

const REQUIRED_HEADERS = [
  CE_HEADERS.specversion,
  CE_HEADERS.id,
  CE_HEADERS.source,
  CE_HEADERS.type,
  CE_HEADERS.time,
  CE_HEADERS.subject,
] as const;

/** Decodes a consumed record, listing every problem found rather than the first one. */
export function fromKafkaMessage<T = unknown>(message: IncomingKafkaMessage): DecodeResult<T> {
  return decodeRecord<T>(recordView(message));
}

/** A consumed record with its key, headers and value decoded to text once (what a consumer passes around). */
export interface RecordView {
  key: string | null;
  headers: Record<string, string>;
  /** The value as UTF-8 text ('' for a null value). */
  raw: string;
  /** The value was null (a tombstone). */
  tombstone: boolean;
}

export function recordView(message: IncomingKafkaMessage): RecordView {
  const value = asString(message.value);
  return { key: asString(message.key), headers: headersToStrings(message.headers), raw: value ?? '', tombstone: value === null };
}

/** Decodes a record's CloudEvent from its view, listing every problem. */
export function decodeRecord<T = unknown>(record: RecordView): DecodeResult<T> {
  const { headers, raw } = record;
  const errors: string[] = [];

  for (const name of REQUIRED_HEADERS) {
    if (!headers[name]) errors.push(`missing header ${name}`);
  }
  const specversion = headers[CE_HEADERS.specversion];
  if (specversion && specversion !== CLOUDEVENTS_SPEC_VERSION) {
    errors.push(`unsupported ${CE_HEADERS.specversion} '${specversion}' (expected ${CLOUDEVENTS_SPEC_VERSION})`);
  }
  const time = headers[CE_HEADERS.time];
  if (time && !isRfc3339Timestamp(time)) {
    errors.push(`${CE_HEADERS.time} is not an RFC 3339 timestamp`);
  }
  // Missing content-type is tolerated (JSON is the only encoding we use); a different one is not.
  const contentType = headers[CE_HEADERS.contentType];
  if (contentType && !contentType.toLowerCase().startsWith(JSON_CONTENT_TYPE)) {
    errors.push(`unsupported content-type '${contentType}' (expected ${JSON_CONTENT_TYPE})`);
  }
  let claimVersion: number | undefined;
  const claimVersionHeader = headers[CE_HEADERS.claimVersion];
  if (claimVersionHeader !== undefined) {
    claimVersion = Number(claimVersionHeader);
    if (!/^\d+$/.test(claimVersionHeader)) {
      errors.push(`${CE_HEADERS.claimVersion} is not a non-negative integer`);
    }
  }

  let data: unknown;
  if (record.tombstone) {
    errors.push('value is missing (tombstone)');
  } else if (jsonTextTooDeep(raw)) {
    // Refused before anything recursive (JSON.parse, class-transformer) sees it: it can never be valid.
    errors.push(`value nests deeper than ${MAX_JSON_DEPTH} levels`);
  } else {
    try {
      data = JSON.parse(raw);
    } catch {
      errors.push('value is not valid JSON');
    }
  }

  if (errors.length > 0) return { ok: false, errors, raw };

  const event: CloudEvent<T> = {
    id: headers[CE_HEADERS.id],
    type: headers[CE_HEADERS.type],
    source: headers[CE_HEADERS.source],
    subject: headers[CE_HEADERS.subject],
    time: headers[CE_HEADERS.time],
    data: data as T,
  };
  if (claimVersion !== undefined) event.claimVersion = claimVersion;
  if (headers[CE_HEADERS.correlationId]) event.correlationId = headers[CE_HEADERS.correlationId];
  if (headers[CE_HEADERS.causationId]) event.causationId = headers[CE_HEADERS.causationId];
  if (headers[CE_HEADERS.traceparent]) event.traceparent = headers[CE_HEADERS.traceparent];
  return { ok: true, event };
}
