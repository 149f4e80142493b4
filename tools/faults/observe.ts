import { MongoClient, type Db } from 'mongodb';
import { TOPICS } from '@cpor/contracts';
import { forEachConcurrently } from '@cpor/kernel';
import type { LogRecord, MessagingAdmin, RawHeaders } from '@cpor/messaging';
import { readTransition } from '@cpor/persistence';
import { expectedTopics } from '../ops/topics.js';
import type { AssessmentRecord, CheckerInput, DeadLetterRecord, DrivenClaim, EventRecord, RejectionRecord, StoredClaim } from './checker.js';
import type { Mailpit } from './mailpit.js';

/**
 * What the checker reads, read the way any outsider could: every topic's records from offset 0
 * (read in steps: each check reads on from where the previous one stopped, so a run reads each
 * record once), the claims collection with the plain mongodb driver, and the mail server's API.
 * Nothing here decodes a record with the services' code.
 */

export function header(headers: RawHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

export class TopicLog {
  readonly events: EventRecord[] = [];
  readonly assessments: AssessmentRecord[] = [];
  readonly deadLetters: DeadLetterRecord[] = [];
  readonly rejections: RejectionRecord[] = [];
  private readonly next = new Map<string, bigint>();

  constructor(private readonly admin: MessagingAdmin) {}

  /** Reads every topic on from where the previous call stopped, up to its end now. */
  async catchUp(): Promise<void> {
    // Every topic and every dead-letter topic the services can write (one per service and topic it reads).
    const topics = expectedTopics();
    const ranges: Array<{ topic: string; partition: number; from: string; until: string }> = [];
    for (const topic of topics) {
      const offsets = await this.admin.topicOffsets(topic);
      for (const { partition, low, high } of offsets ?? []) {
        const key = `${topic}:${partition}`;
        const from = this.next.get(key) ?? BigInt(low);
        if (from < BigInt(high)) ranges.push({ topic, partition, from: String(from), until: high });
      }
    }
    if (ranges.length === 0) return;
    await this.admin.readRecords(ranges, (records) => {
      for (const record of records) this.add(record);
      return 'continue';
    }, { timeoutMs: 120_000 });
    for (const range of ranges) {
      const key = `${range.topic}:${range.partition}`;
      const until = BigInt(range.until);
      if ((this.next.get(key) ?? 0n) < until) this.next.set(key, until);
    }
  }

  private add(record: LogRecord): void {
    const key = `${record.topic}:${record.partition}`;
    const after = BigInt(record.offset) + 1n;
    if ((this.next.get(key) ?? 0n) < after) this.next.set(key, after);
    const h = record.headers;
    const base = { partition: record.partition, offset: record.offset };
    if (record.topic === TOPICS.claimEvents) {
      const version = header(h, 'ce_claimversion');
      this.events.push({
        ...base,
        id: header(h, 'ce_id') ?? `no-id:${record.partition}@${record.offset}`,
        type: header(h, 'ce_type') ?? '',
        claimId: record.key?.toString() ?? header(h, 'ce_subject') ?? '',
        ...(version !== undefined && /^\d+$/.test(version) ? { version: Number(version) } : {}),
        ...(header(h, 'ce_causationid') ? { causationId: header(h, 'ce_causationid') } : {}),
      });
    } else if (record.topic === TOPICS.claimEligibility) {
      this.assessments.push({ ...base, id: header(h, 'ce_id') ?? '', claimId: record.key?.toString() ?? header(h, 'ce_subject') ?? '' });
    } else if (record.topic === TOPICS.claimRequestsRejected) {
      this.rejections.push({ ...base, id: header(h, 'ce_id') ?? `no-id:${record.partition}@${record.offset}` });
    } else if (record.topic.endsWith('.dlq')) {
      this.deadLetters.push({
        ...base,
        dlqTopic: record.topic,
        sourceTopic: header(h, 'dlq_source_topic'),
        sourcePartition: header(h, 'dlq_source_partition'),
        sourceOffset: header(h, 'dlq_source_offset'),
      });
    }
  }
}

/** The run's store, read with the plain driver. */
export class StoreReader {
  private constructor(
    private readonly client: MongoClient,
    readonly db: Db,
  ) {}

  static async connect(url: string, database: string): Promise<StoreReader> {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    return new StoreReader(client, client.db(database));
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }

  /**
   * Claims (all, or these ids) as the checker needs them: the snapshot (`claims`) brought up to
   * the newest row of the claim's transition log (`claim_transitions`, rows `<claimId>:<version>`),
   * which is the claim (docs/architecture.md: the snapshot is a cache of the log, and may lag it).
   */
  async claims(ids?: string[]): Promise<StoredClaim[]> {
    const filter = ids ? { _id: { $in: ids } } : {};
    const docs = await this.db
      .collection('claims')
      .find(filter as never, { projection: { _id: 1, version: 1, partnerId: 1, status: 1, 'state.rejection': 1, 'state.eligibility': 1, history: 1, appliedCommandIds: 1 } })
      .toArray();
    const claims = docs.map(
      (doc: any): StoredClaim => ({
        id: String(doc._id),
        partnerId: doc.partnerId,
        status: doc.status,
        version: doc.version,
        snapshotVersion: doc.version,
        rejectionReason: doc.state?.rejection?.reason,
        eligibilityAssessed: Boolean(doc.state?.eligibility),
        history: (doc.history ?? []).map(historyItem),
        appliedCommandIds: doc.appliedCommandIds ?? [],
      }),
    );
    // Claims asked for by id that have no snapshot at all: their log may still have them.
    const missing = (ids ?? []).filter((id) => !claims.some((claim) => claim.id === id));
    for (const id of missing) claims.push({ id, status: '', version: 0, snapshotVersion: 0, eligibilityAssessed: false, history: [], appliedCommandIds: [] });
    await forEachConcurrently(claims, 16, (claim) => this.catchUp(claim));
    return claims.filter((claim) => claim.version > 0);
  }

  /** Applies the log rows newer than the snapshot (looked up by `_id`, as the ledger does). */
  private async catchUp(claim: StoredClaim): Promise<void> {
    for (;;) {
      const stored = await this.db.collection('claim_transitions').findOne({ _id: `${claim.id}:${claim.version + 1}` } as never);
      if (!stored) return;
      const row = readTransition(stored as never);
      claim.version = row.version;
      claim.status = row.state?.status;
      claim.partnerId ??= row.state?.partnerId;
      claim.rejectionReason = row.state?.rejection?.reason;
      claim.eligibilityAssessed = Boolean(row.state?.eligibility);
      if (row.history) claim.history.push(historyItem(row.history));
      if (row.commandId) claim.appliedCommandIds.push(row.commandId);
    }
  }

  /** Every claim as its log's newest row has it, and its snapshot document as stored (for the full replay's hashes). */
  async claimViews(): Promise<{ documents: Array<{ _id: unknown }>; views: Array<{ _id: string; [field: string]: unknown }> }> {
    const documents = await this.db.collection('claims').find({}).toArray();
    const views: Array<{ _id: string; [field: string]: unknown }> = [];
    await forEachConcurrently(documents, 16, async (doc: any) => {
      let version = doc.version as number;
      let state = doc.state;
      const history = [...(doc.history ?? [])];
      for (;;) {
        const stored = await this.db.collection('claim_transitions').findOne({ _id: `${doc._id}:${version + 1}` } as never);
        if (!stored) break;
        const row = readTransition(stored as never);
        version = row.version;
        state = row.state;
        history.push(row.history);
      }
      views.push({ _id: String(doc._id), version, state, history });
    });
    return { documents, views };
  }

  /** Committed transitions whose events are not published yet. */
  outboxPending(): Promise<number> {
    return this.db.collection('claim_transitions').countDocuments({ pending: true });
  }

  /** Emails recorded and not sent yet. */
  deliveriesPending(): Promise<number> {
    return this.db.collection('deliveries').countDocuments({ status: 'pending' });
  }

  /** Deadlines by status (`pending`, `fired`, `cancelled`, ...). */
  async deadlineStatuses(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const doc of await this.db.collection('deadlines').find({}, { projection: { status: 1 } }).toArray()) {
      out[String(doc.status)] = (out[String(doc.status)] ?? 0) + 1;
    }
    return out;
  }
}

function historyItem(h: any) {
  return { action: h.action, version: h.version, actorKind: h.actor?.kind, details: h.details };
}

/** Everything the checker needs, now. */
export async function observe(
  log: TopicLog,
  store: StoreReader,
  mail: Mailpit,
  context: { driven: DrivenClaim[]; partnerIds: string[]; tag: string; reviewersEmail: string; opsEmail: string },
): Promise<CheckerInput> {
  await log.catchUp();
  const [claims, emails] = await Promise.all([store.claims(), mail.search(context.tag)]);
  return {
    events: log.events,
    assessments: log.assessments,
    deadLetters: log.deadLetters,
    rejections: log.rejections,
    claims,
    emails: emails.map((m) => ({ to: m.to, subject: m.subject, messageId: m.messageId })),
    driven: context.driven,
    partnerIds: context.partnerIds,
    reviewersEmail: context.reviewersEmail,
    opsEmail: context.opsEmail,
  };
}
