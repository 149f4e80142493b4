// The real Kafka and store behind the ops command's context (main.ts; the integration test).
import { setTimeout as sleep } from 'node:timers/promises';
import { messagingConfigFromEnv, MessagingAdmin } from '@cpor/messaging';
import { BusinessClockRepository, businessClockMoveModel, openMongoConnection, readClaimDossier, type StoreConnection } from '@cpor/persistence';
import type { OpsContext, OpsIo } from './context.js';

/**
 * A context on the servers the environment names: KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, KAFKA_SASL_* and KAFKA_TLS* (Kafka),
 * MONGO_URL and MONGO_DB (the store). Each connects on first use; `close` disconnects both.
 */
export function serverContext(env: NodeJS.ProcessEnv, io: OpsIo): { context: OpsContext; close(): Promise<void> } {
  let admin: MessagingAdmin | undefined;
  let connection: StoreConnection | undefined;
  const context: OpsContext = {
    async kafka() {
      admin ??= new MessagingAdmin(messagingConfigFromEnv('cpor-ops', env));
      await admin.connect();
      return admin;
    },
    async store() {
      connection ??= await openMongoConnection(env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', env.MONGO_DB ?? 'cpor', 5_000);
      const open = connection;
      const clock = new BusinessClockRepository(businessClockMoveModel(open));
      return {
        claimDossier: (claimId) => readClaimDossier(open, claimId),
        clockOffsetMs: () => clock.offsetMs(),
        recordClockMove: (offsetMs, by) => clock.record(offsetMs, by, new Date()),
      };
    },
    io,
    env,
    now: () => new Date(),
    monotonicMs: () => performance.now(),
    sleep: (ms) => sleep(ms),
  };
  return {
    context,
    async close() {
      await admin?.disconnect().catch(() => undefined);
      await connection?.close().catch(() => undefined);
    },
  };
}
