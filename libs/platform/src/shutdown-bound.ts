import { Logger } from '@nestjs/common';

/**
 * On SIGTERM or SIGINT Nest stops the service gracefully (stop fetching, finish in-flight batches,
 * commit, relay what is pending, close the store). Should that take longer than `timeoutMs`
 * (SHUTDOWN_TIMEOUT_MS, default 30 s), the process exits with status 1 anyway, so a supervisor
 * never waits on a stuck stop. Nothing is lost by it: uncommitted records are fetched again and
 * unpublished events stay pending. Returns what removes the bound's listeners (the app closed).
 */
export function boundShutdown(service: string, timeoutMs: number): () => void {
  const listeners = (['SIGTERM', 'SIGINT'] as const).map((signal) => {
    const listener = () => {
      setTimeout(() => {
        new Logger(service).error(`${service} did not stop within ${timeoutMs} ms of ${signal}; exiting`);
        process.exit(1);
      }, timeoutMs).unref();
    };
    process.once(signal, listener);
    return { signal, listener };
  });
  return () => {
    for (const { signal, listener } of listeners) process.removeListener(signal, listener);
  };
}
