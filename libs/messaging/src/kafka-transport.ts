import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import {
  acceptedCorrelationId,
  acceptedTraceparent,
  amendRequestContext,
  describeError,
  forEachConcurrently,
  inSpan,
  outsideRequestContext,
  runInRequestContext,
  traceIdFrom,
  type RequestContext,
  type SpanAttributes,
  type TraceSpan,
} from '@cpor/kernel';
import { decodeRecord, deadLetterTopic, recordView, type RecordView } from '@cpor/contracts';
import { VALUE_DROPPED_HEADER } from './dead-letters.js';
import { MessagingAdmin } from './kafka-admin.js';
import { createKafka, createMissingTopics, topicCreationOptions } from './kafka-client.js';
import { KafkaEventContext } from './kafka-event-context.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { DEFAULT_GROUP_TIMINGS, groupName, logicalTopicName, topicName, type GroupTimings, type MessagingConfig } from './messaging.config.js';
import { messagingMetrics, observeHandler } from './messaging.metrics.js';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, runWithRetries, type RetryPolicy } from './retry-policy.js';
import { routeRecord, unmatchedOn, UNKNOWN_TYPE, type RecordRoute } from './routing.js';

export interface KafkaTransportOptions {
  config: MessagingConfig;
  /**
   * Consumer group = service name, used as given (no `-server` suffix; only the config's topic
   * prefix is prepended, see `groupName`). Also names the DLQs: `<topic>.<group>.dlq`.
   */
  groupId: string;
  /** Logical topic names to consume; the config's prefix is applied. */
  topics: string[];
  /**
   * The record types this consumer's handlers must cover, exactly (its row of SUBSCRIPTIONS). When
   * given, listening fails if a type has no handler or a handler's type is not listed, so the
   * table and the code cannot drift apart. `unmatchedOn(topic)` handlers are not types.
   */
  handledTypes?: readonly string[];
  /** Where a group without committed offsets starts. Default true: a new group reads the whole topic. */
  fromBeginning?: boolean;
  /** Default attempts per record (including the first). Default 5. `@EventPattern` extras override it. */
  maxAttempts?: number;
  /** Default wait after the first failure, doubling each time. Default 100 ms. */
  backoffMs?: number;
  /** Upper bound of the backoff. Default 5 s. */
  maxBackoffMs?: number;
  /** Partitions processed at once. Default 3. */
  partitionsConsumedConcurrently?: number;
  /** Keys processed at once within a partition's batch (order is kept per key). Default 8. */
  keysConsumedConcurrently?: number;
  /**
   * Longest a fetch waits on the broker for new records. Also bounds how long `close()` waits for
   * an idle fetch to return. Default 1 s (kafkajs: 5 s).
   */
  maxWaitTimeMs?: number;
  /** Commit resolved offsets at least this often while a batch runs (they are also committed at each batch end). Default 1 s. */
  autoCommitIntervalMs?: number;
  /** ...or once this many offsets are resolved. Default 100. */
  autoCommitThreshold?: number;
  /** Clock for `dlq_failed_at`. */
  now?: () => Date;
  /**
   * The consumer crashed and could not be replaced for `giveUpAfterMs` (default 5 minutes): the
   * process cannot consume again by itself. The platform exits non-zero so a supervisor restarts it.
   */
  onUnrecoverable?: (error: string) => void;
  giveUpAfterMs?: number;
}

export interface ConsumerHealth {
  /** Joined its group and consuming. */
  running: boolean;
  /** kafkajs gave up (a crash it will not restart from): the process consumes nothing until restarted. */
  crashed: boolean;
  lastError?: string;
  /** Partitions assigned at the last group join. */
  assignedPartitions: number;
  /**
   * Milliseconds since the group coordinator last answered this member: a successful heartbeat or
   * group join (null before it started). A fetch does not count: fetches go to partition leaders
   * and succeed for a member the group has already dropped.
   */
  idleMs: number | null;
  /** Consuming: running, not crashed, and heard from within the session timeout (a consumer silent longer has lost its group). */
  consuming: boolean;
}

/** Transport id of `KafkaTransport`; `@EventPattern(type)` without a transport binds to it too. */
export const KAFKA_TRANSPORT_ID = Symbol('cpor-kafka-transport');

type RecordOutcome = 'done' | 'aborted';

/** How often the watchdog looks for a consumer its group has dropped. */
const WATCHDOG_EVERY_MS = 5_000;
/** Silence from the coordinator after which the watchdog asks the broker (heartbeats come every 3 s). */
const PROBE_AFTER_MS = 10_000;
/** How long the watchdog waits for the broker's answer about the group. */
const PROBE_TIMEOUT_MS = 3_000;

/** `work`, or a rejection once `ms` have passed (kafkajs's own request timeout is 30 s). */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Longest wait between two of kafkajs's attempts (a fetch, a join, a consumer restart after a crash). */
const MAX_RETRY_WAIT_MS = 3_000;

/** Longest single wait between heartbeats during a retry backoff. */
const HEARTBEAT_SLICE_MS = 500;

/**
 * NestJS transport strategy over kafkajs `eachBatch`, replacing the stock `ServerKafka` loop
 * (DESIGN section 2): dispatch by CloudEvents type, explicit offset resolution after the handler
 * finishes, bounded retries with backoff, dead-letter topic, heartbeats while working,
 * concurrency across partitions and across keys, with order within each key.
 *
 * Shutdown order: `close()` stops fetching, waits for the in-flight handler, commits and leaves
 * the group. Nest calls it before `onApplicationShutdown` hooks (standalone microservice and
 * hybrid app alike), so close the database there, never in `onModuleDestroy` or
 * `beforeApplicationShutdown`, or a draining handler would lose its store.
 */
export class KafkaTransport extends Server implements CustomTransportStrategy {
  override transportId = KAFKA_TRANSPORT_ID;
  // This transport awaits every handler and reports failures itself (retry, DLQ, log).
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(KafkaTransport.name);

  private readonly groupId: string;
  private readonly defaultPolicy: RetryPolicy;
  private readonly now: () => Date;
  private readonly timings: GroupTimings;
  private kafka?: Kafka;
  private consumer?: Consumer;
  private publisher?: KafkaPublisher;
  private state: Omit<ConsumerHealth, 'idleMs' | 'consuming'> = { running: false, crashed: false, assignedPartitions: 0 };
  /** Wall time of the consumer's last successful heartbeat or group join. */
  private lastActivityAt: number | undefined;
  private closing = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** A replacement of the consumer is scheduled or under way. */
  private restarting = false;
  private watchdog: NodeJS.Timeout | undefined;
  /** The watchdog is asking the broker about the group. */
  private watching = false;
  /** What the watchdog asks the broker with, made when first needed. */
  private probeAdmin: MessagingAdmin | undefined;
  /** This consumer's id in its group, from its last join. */
  private memberId: string | undefined;
  /** Since when restarts after a crash have been failing (undefined: none failing). */
  private failingSince: number | undefined;

  constructor(private readonly options: KafkaTransportOptions) {
    super();
    this.groupId = options.groupId;
    this.now = options.now ?? (() => new Date());
    this.timings = { ...DEFAULT_GROUP_TIMINGS, ...options.config.group };
    this.defaultPolicy = {
      maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
      backoffMs: options.backoffMs ?? DEFAULT_RETRY_POLICY.backoffMs,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULT_RETRY_POLICY.maxBackoffMs,
    };
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      this.checkHandlersMatchSubscription();
      await this.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    await this.probeAdmin?.disconnect().catch(() => undefined);
    this.probeAdmin = undefined;
    // disconnect() = stop fetching, wait for the batch in flight (its loop sees isRunning() false
    // after the current record), commit resolved offsets, leave the group.
    await this.consumer?.disconnect();
    await this.publisher?.disconnect();
    this.consumer = undefined;
    this.publisher = undefined;
    this.kafka = undefined;
  }

  private checkHandlersMatchSubscription(): void {
    const expected = this.options.handledTypes;
    if (!expected) return;
    const handled = [...this.messageHandlers.keys()].filter((pattern) => !pattern.startsWith(unmatchedOn('')));
    const missing = expected.filter((type) => !this.messageHandlers.has(type));
    const unlisted = handled.filter((type) => !expected.includes(type));
    if (missing.length > 0 || unlisted.length > 0) {
      throw new Error(
        `consumer ${this.groupId}: the handlers and SUBSCRIPTIONS disagree (no handler for: ${missing.join(', ') || 'none'}; handled but not subscribed: ${unlisted.join(', ') || 'none'})`,
      );
    }
  }

  /** Consumer state for readiness probes. */
  health(): ConsumerHealth {
    const idleMs = this.lastActivityAt === undefined ? null : Date.now() - this.lastActivityAt;
    const consuming = this.state.running && !this.state.crashed && idleMs !== null && idleMs <= this.timings.sessionTimeoutMs;
    return { ...this.state, idleMs, consuming };
  }

  on(): never {
    throw new Error('KafkaTransport has no event listeners; use health() for consumer state');
  }

  unwrap<T>(): T {
    if (!this.kafka) throw new Error('KafkaTransport is not listening');
    return [this.kafka, this.consumer, this.publisher] as T;
  }

  /** Physical topics this transport consumes and the DLQs it may write to. */
  topicsToCreate(): string[] {
    const { config, topics } = this.options;
    return topics.flatMap((topic) => [topicName(config, topic), topicName(config, deadLetterTopic(topic, this.groupId))]);
  }

  private async start(): Promise<void> {
    const { config, topics } = this.options;
    // kafkajs restarts a crashed consumer after the crash's last backoff: with its default cap
    // (30 s), a consumer that crashed while the broker was away came back up to 30 s after it.
    this.kafka = createKafka(config, { maxRetryWaitMs: MAX_RETRY_WAIT_MS });

    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const created = await createMissingTopics(admin, this.topicsToCreate(), topicCreationOptions(config));
      if (created.length > 0) this.logger.log(`created topics ${created.join(', ')}`);
    } finally {
      await admin.disconnect();
    }

    this.publisher = new KafkaPublisher(config, this.kafka);
    await this.publisher.connect();

    await this.startConsumer();
    this.startWatchdog();
    this.logger.log(`consuming ${topics.join(', ')} as group ${this.groupId}`);
  }

  /**
   * kafkajs can be left running without a group after a broker pause: back from the pause, the
   * coordinator no longer knows the member, kafkajs starts to rejoin, and the join never completes
   * (seen here after a 35-45 s SIGSTOP: the group empty for minutes, the process still
   * "running"). Once the coordinator has not answered for PROBE_AFTER_MS, the watchdog asks the
   * broker about the group: if the broker answers that the group is not rebalancing and has no
   * member by this consumer's id, the consumer is replaced as after a crash, within seconds of the
   * broker's return. Whatever the broker says, a consumer not answered for twice the session
   * timeout (the broker dropped the member long ago) is replaced.
   */
  private startWatchdog(): void {
    this.watchdog = setInterval(() => void outsideRequestContext(() => this.watch()), WATCHDOG_EVERY_MS);
    this.watchdog.unref();
  }

  private async watch(): Promise<void> {
    const { sessionTimeoutMs } = this.timings;
    // Also a consumer kafkajs said it would restart after a crash and has not (still no join).
    const { idleMs } = this.health();
    if (this.closing || this.restarting || this.watching || idleMs === null || idleMs <= PROBE_AFTER_MS) return;
    this.watching = true;
    try {
      const reason = idleMs > 2 * sessionTimeoutMs ? 'not heard from its group' : (await this.groupDroppedMember()) ? 'been dropped by its group' : undefined;
      if (!reason || this.closing || this.restarting) return;
      this.logger.warn(`consumer ${this.groupId} has ${reason} (no answer for ${Math.round(idleMs / 1000)} s); replacing it`);
      this.state = { ...this.state, running: false, assignedPartitions: 0 };
      this.scheduleRestart();
    } finally {
      this.watching = false;
    }
  }

  /**
   * True only when the broker answers that the group is not rebalancing and has no member by this
   * consumer's id. False when unsure: no answer (the broker may still be away) or a rebalance
   * under way (a join may legitimately wait for the other members).
   */
  private async groupDroppedMember(): Promise<boolean> {
    try {
      const group = await this.describeOwnGroup();
      if (group.state === 'PreparingRebalance' || group.state === 'CompletingRebalance') return false;
      return !group.members.some((member) => member.memberId === this.memberId);
    } catch {
      await this.probeAdmin?.disconnect().catch(() => undefined);
      this.probeAdmin = undefined;
      return false;
    }
  }

  private describeOwnGroup(): Promise<{ state: string; members: Array<{ memberId: string }> }> {
    this.probeAdmin ??= new MessagingAdmin(this.options.config);
    return withTimeout(this.probeAdmin.describeGroup(this.groupId), PROBE_TIMEOUT_MS);
  }

  private async startConsumer(): Promise<void> {
    const { config, topics } = this.options;
    const consumer = this.kafka!.consumer({
      groupId: groupName(config, this.groupId),
      allowAutoTopicCreation: false,
      sessionTimeout: this.timings.sessionTimeoutMs,
      rebalanceTimeout: this.timings.rebalanceTimeoutMs,
      heartbeatInterval: this.timings.heartbeatIntervalMs,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 1_000,
    });
    this.consumer = consumer;
    this.watchConsumer(consumer);
    await consumer.connect();
    await consumer.subscribe({
      topics: topics.map((topic) => topicName(config, topic)),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      autoCommitInterval: this.options.autoCommitIntervalMs ?? 1_000,
      autoCommitThreshold: this.options.autoCommitThreshold ?? 100,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
  }

  /**
   * kafkajs does not restart after a non-retriable crash: the process would stay up consuming
   * nothing. Replace the consumer (same group, committed offsets) with a growing pause.
   */
  private scheduleRestart(attempt = 1): void {
    if (this.closing) return;
    this.restarting = true;
    const delay = Math.min(1_000 * 2 ** (attempt - 1), 60_000);
    // Outside the context of the record that may have been in flight when the consumer crashed.
    this.restartTimer = setTimeout(() => outsideRequestContext(() => {
      void (async () => {
        if (this.closing) return;
        try {
          await this.consumer?.disconnect().catch(() => undefined);
          await this.startConsumer();
          this.failingSince = undefined;
          this.restarting = false;
          this.logger.warn(`consumer ${this.groupId} restarted after a crash`);
        } catch (error) {
          const reason = describeError(error);
          this.logger.error(`consumer ${this.groupId} restart failed: ${reason}`);
          this.failingSince ??= Date.now();
          if (Date.now() - this.failingSince >= (this.options.giveUpAfterMs ?? 5 * 60_000) && this.options.onUnrecoverable) {
            this.options.onUnrecoverable(`consumer ${this.groupId} could not be restarted for ${Math.round((Date.now() - this.failingSince) / 1000)} s: ${reason}`);
            return;
          }
          this.scheduleRestart(attempt + 1);
        }
      })();
    }), delay);
  }

  private watchConsumer(consumer: Consumer): void {
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT, HEARTBEAT } = consumer.events;
    const heard = () => (this.lastActivityAt = Date.now());
    consumer.on(HEARTBEAT, heard);
    consumer.on(GROUP_JOIN, ({ payload }) => {
      heard();
      this.memberId = payload.memberId;
      const assigned = Object.values(payload.memberAssignment).reduce((sum, partitions) => sum + partitions.length, 0);
      this.state = { running: true, crashed: false, assignedPartitions: assigned };
    });
    consumer.on(CRASH, ({ payload }) => {
      const lastError = describeError(payload.error);
      // With restart=true kafkajs rejoins by itself (GROUP_JOIN clears this); otherwise it is dead.
      this.state = { running: false, crashed: !payload.restart, lastError, assignedPartitions: 0 };
      this.logger.error(`consumer ${this.groupId} crashed (${payload.restart ? 'kafkajs restarts it' : 'replacing it'}): ${lastError}`);
      if (!payload.restart) this.scheduleRestart();
    });
    const stopped = () => {
      this.state = { ...this.state, running: false, assignedPartitions: 0 };
    };
    consumer.on(STOP, stopped);
    consumer.on(DISCONNECT, stopped);
  }

  /**
   * One partition's batch. Records are handled in key order: those with the same key one after
   * another in offset order, different keys (claims, partners) up to `keysConsumedConcurrently`
   * at once. An offset is resolved (and may be committed) only when it and every offset before it
   * in the batch are done, so a restart resumes at the first record not done and replays only
   * records whose handlers are idempotent anyway.
   */
  private async consumeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const logicalTopic = logicalTopicName(this.options.config, batch.topic);
    // Each record's key, headers and value are decoded to text once, here.
    const lanes = new Map<string, Array<{ message: KafkaMessage; view: RecordView }>>();
    for (const message of batch.messages) {
      const view = recordView(message);
      const lane = lanes.get(view.key ?? '');
      if (lane) lane.push({ message, view });
      else lanes.set(view.key ?? '', [{ message, view }]);
    }
    // What every record's span says of the batch: the same for each, built once.
    const batchAttributes: SpanAttributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': batch.topic,
      'messaging.destination.partition.id': String(batch.partition),
      'messaging.consumer.group.name': groupName(this.options.config, this.groupId),
    };
    const done = new Set<string>();
    let resolved = 0;
    let stop = false;
    // Resolves the done prefix of the batch; serialised, as kafkajs expects one commit at a time.
    let resolving = Promise.resolve();
    const resolveDonePrefix = () =>
      (resolving = resolving.then(async () => {
        const before = resolved;
        while (resolved < batch.messages.length && done.has(batch.messages[resolved]!.offset)) {
          payload.resolveOffset(batch.messages[resolved]!.offset);
          resolved++;
        }
        if (resolved === before) return;
        await payload.commitOffsetsIfNecessary();
      }));
    await forEachConcurrently([...lanes.values()], this.options.keysConsumedConcurrently ?? 8, async (lane) => {
      try {
        for (const { message, view } of lane) {
          if (stop || !payload.isRunning() || payload.isStale()) return;
          const context = recordContext(this.groupId, logicalTopic, batch.partition, message.offset, view.headers);
          if ((await runInRequestContext(context, () => this.consumeRecord(logicalTopic, payload, message, view, batchAttributes))) === 'aborted') {
            stop = true;
            return;
          }
          done.add(message.offset);
          await resolveDonePrefix();
          await payload.heartbeat();
        }
      } catch (error) {
        stop = true; // the other lanes stop too; kafkajs fetches again from the first offset not resolved
        throw error;
      }
    });
  }

  private async consumeRecord(
    logicalTopic: string,
    payload: EachBatchPayload,
    message: KafkaMessage,
    record: RecordView,
    batchAttributes: SpanAttributes,
  ): Promise<RecordOutcome> {
    const { batch } = payload;
    const { headers } = record;
    const route = routeRecord(decodeRecord(record), record, logicalTopic, (pattern) => this.messageHandlers.has(pattern));
    const where = `${logicalTopic}/${batch.partition}@${message.offset}`;
    // An unmatched record's type is whatever the producer wrote: label it by the pattern instead.
    const label = route.kind === 'unmatched' ? route.pattern : metricType(route.type);

    if (route.kind === 'skip') {
      messagingMetrics.skipped.inc({ group: this.groupId, type: label });
      this.logger.debug?.(`skipped ${label} id=${headers['ce_id'] ?? '-'} ${where}: no handler`);
      return 'done';
    }
    // A span per record this consumer acts on, continuing the producer's trace (instrumentation-kafkajs
    // only links an eachBatch record to it, under a new trace per batch); the handler's writes and
    // the events it causes descend from it.
    return inSpan(
      `process ${batch.topic}`,
      {
        kind: 'consumer',
        parent: headers['traceparent'] ?? null,
        attributes: {
          ...batchAttributes,
          'messaging.kafka.offset': Number(message.offset),
          'messaging.kafka.message.key': record.key ?? undefined,
          'messaging.message.id': headers['ce_id'],
          'cloudevents.event_type': label,
        },
      },
      (span) => this.processRecord(logicalTopic, payload, message, record, route, label, span),
    );
  }

  private async processRecord(
    logicalTopic: string,
    payload: EachBatchPayload,
    message: KafkaMessage,
    record: RecordView,
    route: Exclude<RecordRoute, { kind: 'skip' }>,
    label: string,
    span: TraceSpan,
  ): Promise<RecordOutcome> {
    const { batch } = payload;
    const { headers } = record;
    const where = `${logicalTopic}/${batch.partition}@${message.offset}`;
    if (route.kind === 'dead-letter') {
      span.fail(new Error(route.reason));
      await this.deadLetter(logicalTopic, payload, message, headers, route.reason, 0);
      return 'done';
    }

    if (route.kind === 'handle') amendRequestContext({ claimId: claimIdOf(route.payload) });
    const handler = this.messageHandlers.get(route.pattern) as MessageHandler;
    const policy = resolveRetryPolicy(handler.extras, this.defaultPolicy);
    const startedAt = Date.now();
    const outcome = await runWithRetries(
      (attempt) => observeHandler(this.groupId, label, () => this.invokeHandler(handler, route, this.contextFor(logicalTopic, payload, message, record, attempt))),
      policy,
      {
        sleep: (ms) => this.sleepWithHeartbeat(ms, payload),
        shouldContinue: () => payload.isRunning() && !payload.isStale(),
        onFailure: (error, attempt) => {
          messagingMetrics.failed.inc({ group: this.groupId, type: label });
          this.logger.warn(`${label} id=${headers['ce_id'] ?? '-'} ${where} attempt ${attempt}/${policy.maxAttempts} failed: ${describeError(error)}`);
        },
      },
    );
    if (outcome.status === 'handled') {
      messagingMetrics.processed.inc({ group: this.groupId, type: label });
      this.logger.debug?.(`handled ${label} id=${headers['ce_id'] ?? '-'} ${where} in ${Date.now() - startedAt} ms`);
      return 'done';
    }
    if (outcome.status === 'aborted') return 'aborted';
    span.fail(outcome.error);
    await this.deadLetter(logicalTopic, payload, message, headers, describeError(outcome.error), outcome.attempts);
    return 'done';
  }

  private contextFor(logicalTopic: string, payload: EachBatchPayload, message: KafkaMessage, { key, headers, raw }: RecordView, attempt: number) {
    return new KafkaEventContext({
      topic: logicalTopic,
      kafkaTopic: payload.batch.topic,
      partition: payload.batch.partition,
      offset: message.offset,
      timestamp: message.timestamp,
      key,
      headers,
      raw,
      attempt,
      groupId: this.groupId,
      heartbeat: () => payload.heartbeat(),
    });
  }

  /**
   * Calls the Nest handler and waits for all of its work: the proxy resolves to a value or an
   * Observable (a thrown error comes back as an erroring Observable from Nest's exception filter).
   */
  private invokeHandler(handler: MessageHandler, route: Extract<RecordRoute, { kind: 'handle' | 'unmatched' }>, context: KafkaEventContext): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        this.runWithProcessingHooks(context, async (runEndHook) => {
          try {
            const result: unknown = await handler(route.payload, context);
            await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
            resolve();
          } catch (error) {
            reject(error);
          } finally {
            runEndHook();
          }
        });
      } catch (error) {
        reject(error);
      }
    });
  }

  /** Copies the record to `<topic>.<group>.dlq` with headers naming its source and the error. */
  private async deadLetter(
    logicalTopic: string,
    payload: EachBatchPayload,
    message: KafkaMessage,
    headers: Record<string, string>,
    error: string,
    attempts: number,
  ): Promise<void> {
    const { batch } = payload;
    const dlq = deadLetterTopic(logicalTopic, this.groupId);
    const letter = {
      topic: dlq,
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        dlq_source_topic: batch.topic,
        dlq_source_partition: String(batch.partition),
        dlq_source_offset: message.offset,
        dlq_source_timestamp: message.timestamp,
        dlq_error: describeError(error, 1_000),
        dlq_failed_at: this.now().toISOString(),
        dlq_attempts: String(attempts),
        dlq_group: this.groupId,
      },
    };
    try {
      await this.publisher!.publishRaw([letter]);
    } catch (sendError) {
      if (!isRecordTooLarge(sendError)) throw sendError;
      // A record near the broker's limit no longer fits with our headers. Refused for good, it
      // would fail the batch and restart the consumer on the same record, forever: the letter goes
      // without the value, which is still on the source topic at its offset.
      await this.publisher!.publishRaw([{ ...letter, value: null, headers: { ...letter.headers, [VALUE_DROPPED_HEADER]: 'too large for the dead-letter topic; read it at the source offset' } }]);
    }
    messagingMetrics.deadLettered.inc({ group: this.groupId, topic: logicalTopic });
    this.logger.error(
      `dead-lettered ${metricType(headers['ce_type'] ?? UNKNOWN_TYPE)} id=${headers['ce_id'] ?? '-'} ${logicalTopic}/${batch.partition}@${message.offset} after ${attempts} attempt(s) to ${topicName(this.options.config, dlq)}: ${describeError(error, 300)}`,
    );
  }

  /** Waits between attempts without letting the group think this member died. */
  private async sleepWithHeartbeat(ms: number, payload: EachBatchPayload): Promise<void> {
    const deadline = Date.now() + ms;
    while (payload.isRunning() && !payload.isStale()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(remaining, HEARTBEAT_SLICE_MS)));
      await payload.heartbeat();
    }
  }
}

/**
 * The request context of one record: its log lines carry these, and the claim ledger stamps its
 * `ce_correlationid` (or, when it has none, its `ce_id`: the record starts the chain) on the events
 * of the changes its handler makes, so a correlation id follows every chain. Header values come
 * from producers: only well-formed ones are kept.
 */
export function recordContext(service: string, topic: string, partition: number, offset: string, headers: Record<string, string>): RequestContext {
  const eventId = acceptedCorrelationId(headers['ce_id']);
  const traceparent = acceptedTraceparent(headers['traceparent']);
  const traceId = traceIdFrom(traceparent);
  return {
    origin: 'record',
    service,
    correlationId: acceptedCorrelationId(headers['ce_correlationid']) ?? eventId,
    ...(traceId ? { traceId, traceparent } : {}),
    ...(eventId ? { eventId } : {}),
    topic,
    partition,
    offset,
  };
}

/** The broker refused a record (or batch) as larger than it takes: kafkajs's protocol error, possibly wrapped. */
export function isRecordTooLarge(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const type = (e as { type?: unknown }).type;
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
  }
  return false;
}

const CLAIM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `data.claimId` of a lifecycle event or a request about an existing claim, when it is a claim id. */
function claimIdOf(payload: unknown): string | undefined {
  const claimId = (payload as { data?: { claimId?: unknown } } | null)?.data?.claimId;
  return typeof claimId === 'string' && CLAIM_ID.test(claimId) ? claimId : undefined;
}

/** Metric label of a type: record types come from producers, so keep label values bounded and tidy. */
export function metricType(type: string): string {
  return /^[A-Za-z0-9._:-]{1,120}$/.test(type) ? type : 'invalid';
}
