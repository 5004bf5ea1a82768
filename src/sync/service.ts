import { createStores, type SyncDeps } from './context.js'
import { describeError } from './errors.js'
import { createLiveHead } from './head.js'
import { POLL_TRIGGER, pollPass } from './poller.js'
import { createRunner } from './runner.js'
import { MAX_MANUAL_LIMIT, SyncInProgressError, type RunOptions, type StartedRun, type SyncEngine } from './types.js'

export { MAX_MANUAL_LIMIT }
import { BACKFILL_TRIGGER, walkHistory, walkNewest } from './walk.js'

// How long close() waits for running runs to stop (their requests in flight settle first).
const CLOSE_WAIT_MS = 5000

/** The sync engine over its dependencies: the plugin and the CLI both build it here. */
export function createSyncService (deps: SyncDeps): SyncEngine {
  const stores = createStores(deps)
  const runner = createRunner(deps, stores)
  const head = createLiveHead(deps, stores)
  let pollTimer: NodeJS.Timeout | null = null
  let closed = false

  async function startManualSync (opts: RunOptions & { limit: number }): Promise<StartedRun> {
    const { limit } = opts
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_MANUAL_LIMIT) {
      throw new RangeError(`limit must be a whole number from 1 to ${MAX_MANUAL_LIMIT}, got ${String(limit)}`)
    }
    const started = await runner.start({
      kind: 'manual',
      syncType: 'manual',
      trigger: opts.trigger ?? 'manual',
      detail: { kind: 'manual', limit },
      limit,
      signal: opts.signal,
      onProgress: opts.onProgress
    }, async (ctx) => { await walkNewest(deps, stores, ctx, limit) })
    // What the head serves is older than what was just written.
    void started.done.then(() => { head.invalidate() })
    return started
  }

  async function startBackfill (opts: RunOptions = {}): Promise<StartedRun> {
    const started = await runner.start({
      kind: 'backfill',
      syncType: 'manual',
      // Backfills share one trigger so the next finds the last one's checkpoint; who asked is
      // kept in the detail.
      trigger: BACKFILL_TRIGGER,
      detail: { kind: 'backfill', origin: opts.trigger ?? 'manual' },
      signal: opts.signal,
      onProgress: opts.onProgress
    }, async (ctx) => { await walkHistory(deps, stores, ctx) })
    void started.done.then(() => { head.invalidate() })
    return started
  }

  async function pollOnce (): Promise<Awaited<StartedRun['done']>> {
    const started = await runner.start({
      kind: 'polling',
      syncType: 'polling',
      trigger: POLL_TRIGGER,
      detail: { kind: 'polling' }
    }, async (ctx) => { await pollPass(deps, stores, ctx) })
    return await started.done
  }

  function startPolling (intervalSeconds: number): void {
    if (intervalSeconds <= 0 || deps.client === null || closed || pollTimer !== null) return
    const schedule = (delayMs: number): void => {
      pollTimer = setTimeout(() => { void tick() }, delayMs)
      pollTimer.unref()
    }
    const tick = async (): Promise<void> => {
      try {
        const run = await pollOnce()
        deps.log.debug({ runId: run.id, status: run.status }, 'sync: poll done')
      } catch (err) {
        // Another process polling right now is the normal case with several instances.
        if (err instanceof SyncInProgressError) deps.log.debug({ runId: err.runId }, 'sync: poll skipped, another one is running')
        else if (closed) return
        else deps.log.warn({ err: describeError(err) }, 'sync: poll could not start')
      }
      if (!closed) schedule(intervalSeconds * 1000)
    }
    // Soon after start (catching up after downtime), then every interval.
    schedule(Math.min(intervalSeconds * 1000, 5000))
  }

  async function close (): Promise<void> {
    closed = true
    if (pollTimer !== null) clearTimeout(pollTimer)
    pollTimer = null
    await runner.close(CLOSE_WAIT_MS)
    await head.settle()
  }

  return {
    startManualSync,
    startBackfill,
    pollOnce,
    head: { get: head.get, invalidate: head.invalidate },
    reapAbandoned: runner.reapAbandoned,
    startPolling,
    close
  }
}
