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

/**
 * At most `permits` holders at a time, served first come, first served: work queued for an
 * earlier page always starts before work queued for a later one, so pages finish in order.
 */
export class Semaphore {
  private free: number
  private readonly waiting: Array<() => void> = []

  constructor (permits: number) {
    this.free = Number.isFinite(permits) ? Math.max(1, Math.floor(permits)) : 1
  }

  async run<T> (fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--
    else await new Promise<void>((resolve) => { this.waiting.push(resolve) })
    try {
      return await fn()
    } finally {
      // Handed straight to the next in line, so no later arrival can overtake it.
      const next = this.waiting.shift()
      if (next === undefined) this.free++
      else next()
    }
  }
}
