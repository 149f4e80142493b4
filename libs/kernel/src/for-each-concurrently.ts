/**
 * Runs `work` over `items` with at most `limit` in flight, in order of start; resolves when all
 * are done and rejects with the first error (after the others in flight settle). The pollers use
 * it to overlap the store round trips of independent items. (A dozen lines: not worth a dependency.)
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++] as T;
      await work(item).catch((error: unknown) => void errors.push(error));
    }
  };
  const workers = Math.min(Math.max(1, Math.floor(limit) || 1), items.length);
  await Promise.all(Array.from({ length: workers }, worker));
  if (errors.length > 0) throw errors[0];
}
