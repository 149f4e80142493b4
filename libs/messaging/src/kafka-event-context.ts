import { BaseRpcContext } from '@nestjs/microservices';

/** Where a consumed record came from. Never log `headers` wholesale or the key beyond ids. */
export interface KafkaRecordInfo {
  /** Logical topic name (without the prefix), e.g. `cpor.claim-events.v1`. */
  topic: string;
  /** Physical topic name (with the prefix). */
  kafkaTopic: string;
  partition: number;
  offset: string;
  /** Record timestamp, ms since epoch as a string (kafkajs convention). */
  timestamp: string;
  key: string | null;
  headers: Record<string, string>;
  /** The record value exactly as received, as UTF-8 text ('' for none); never log it (personal data). */
  raw: string;
  /** 1 on the first try, 2 on the first retry... */
  attempt: number;
  /** Consumer group (= service name). */
  groupId: string;
  /** Tells the group coordinator this member is alive; call it inside long-running work. */
  heartbeat: () => Promise<void>;
}

/**
 * Second argument of every `@EventPattern` handler served by `KafkaTransport`
 * (`@Ctx() context: KafkaEventContext`).
 */
export class KafkaEventContext extends BaseRpcContext<[KafkaRecordInfo]> {
  constructor(readonly info: KafkaRecordInfo) {
    super([info]);
  }
  get topic(): string {
    return this.info.topic;
  }
  get partition(): number {
    return this.info.partition;
  }
  get offset(): string {
    return this.info.offset;
  }
  get headers(): Record<string, string> {
    return this.info.headers;
  }
  get attempt(): number {
    return this.info.attempt;
  }
  getTopic(): string {
    return this.info.topic;
  }
  getKafkaTopic(): string {
    return this.info.kafkaTopic;
  }
  getPartition(): number {
    return this.info.partition;
  }
  getOffset(): string {
    return this.info.offset;
  }
  getHeaders(): Record<string, string> {
    return this.info.headers;
  }
  getKey(): string | null {
    return this.info.key;
  }
  getAttempt(): number {
    return this.info.attempt;
  }
  heartbeat(): Promise<void> {
    return this.info.heartbeat();
  }
}
