/**
 * Running independent steps side by side: the machine has two cores and most steps wait on a
 * child process or a daemon, so a few at a time shortens a test without loading it much.
 */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping the order of results.
 * After a failure no new call starts, and the first error is thrown once the calls in flight
 * are done (none keeps running into the next test).
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

/**
 * Promise.all that lets every promise finish before it fails with the first error: a side still
 * running after its test failed would go on changing a switch the next test uses.
 */
export async function allSettledOrThrow<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}
