/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping results in input order.
 * The first rejection stops new work from starting; calls already in flight are awaited (so no
 * request outlives the run that made it) and then that rejection is thrown.
 */
export async function mapLimit<T, R> (items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failure: { err: unknown } | null = null
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      if (signal?.aborted === true) {
        failure = { err: signal.reason }
        return
      }
      const index = next++
      try {
        results[index] = await fn(items[index] as T, index)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => { await worker() })
  await Promise.all(workers)
  if (failure !== null) throw (failure as { err: unknown }).err
  return results
}
