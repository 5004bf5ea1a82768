import type { SyncRun, SyncRunPatch, SyncType } from '../db/sync-log.js'
import type { Stores, SyncDeps } from './context.js'
import { SyncAbortedError, SyncUnavailableError, describeError, errorCode } from './errors.js'
import { SyncInProgressError, type StartedRun, type SyncProgress } from './types.js'

// One lease per kind of run: a manual run, a backfill and a poll may overlap (the store's merge
// makes that safe), but never two of the same kind, in this process or any other.
export const LOCK_NAMES = { manual: 'sync-manual', backfill: 'sync-backfill', polling: 'sync-polling' } as const
export type RunKind = keyof typeof LOCK_NAMES

const KIND_LABEL: Record<RunKind, string> = { manual: 'manual', backfill: 'backfill', polling: 'polling' }

/** Counters of a run in progress, written to its sync log row as pages commit. */
export interface RunState {
  processed: number
  synced: number
  failed: number
  pages: number
  limit: number | null
  /** Failed records by error code, for the run's one-line summary. */
  failures: Map<string, number>
  detail: Record<string, unknown>
}

export interface RunContext {
  run: SyncRun
  signal: AbortSignal
  state: RunState
  throwIfAborted: () => void
  /** Counters as a sync log patch (to commit with a page). */
  patch: () => SyncRunPatch
  progress: () => void
}

interface ActiveRun { controller: AbortController, done: Promise<SyncRun> }

export interface Runner {
  start: (spec: RunSpec, body: (ctx: RunContext) => Promise<void>) => Promise<StartedRun>
  reapAbandoned: () => Promise<number>
  close: (timeoutMs: number) => Promise<void>
}

export interface RunSpec {
  kind: RunKind
  syncType: SyncType
  trigger: string
  detail: Record<string, unknown>
  limit?: number | null
  signal?: AbortSignal
  onProgress?: (p: SyncProgress) => void
}

function summarizeFailures (state: RunState): string | null {
  if (state.failed === 0) return null
  const codes = [...state.failures].map(([code, n]) => `${code} x${n}`).join(', ')
  return `${state.failed} of ${state.processed} calls could not be fetched in full (${codes}); their list data was stored`
}

export function createRunner (deps: SyncDeps, stores: Stores): Runner {
  const active = new Set<ActiveRun>()
  let closing = false

  async function reapAbandoned (): Promise<number> {
    const holders = await Promise.all(Object.values(LOCK_NAMES).map(async (name) => await stores.locks.holder(name)))
    // A holder without a run id is between taking its lock and logging its run: its row may be
    // about to appear, so leave everything alone this time.
    if (holders.some((h) => h !== null && h.runId === null)) return 0
    const live = holders.flatMap((h) => (h?.runId === null || h === null ? [] : [h.runId]))
    const n = await stores.syncLog.failAbandoned(['manual', 'polling'], 'abandoned: the process running it stopped before it finished', live)
    if (n > 0) deps.log.warn({ runs: n }, 'sync: marked runs left in progress by a stopped process as failed')
    return n
  }

  async function start (spec: RunSpec, body: (ctx: RunContext) => Promise<void>): Promise<StartedRun> {
    if (deps.client === null) throw new SyncUnavailableError()
    if (closing) throw new SyncAbortedError('the sync service is shutting down')
    const lockName = LOCK_NAMES[spec.kind]
    const ttl = deps.settings.lockTtlMs
    const lease = await stores.locks.acquire(lockName, ttl)
    if (lease === null) {
      const holder = await stores.locks.holder(lockName)
      throw new SyncInProgressError(holder?.runId ?? null, KIND_LABEL[spec.kind])
    }
    let run: SyncRun
    try {
      run = await stores.syncLog.create({ syncType: spec.syncType, trigger: spec.trigger, detail: spec.detail })
      await stores.locks.setRunId(lockName, lease.owner, run.id)
    } catch (err) {
      await lease.release().catch(() => {})
      throw err
    }
    await reapAbandoned().catch((err: unknown) => { deps.log.warn({ err: describeError(err) }, 'sync: could not check for abandoned runs') })

    const controller = new AbortController()
    const onExternalAbort = (): void => { controller.abort(new SyncAbortedError('cancelled')) }
    if (spec.signal?.aborted === true) onExternalAbort()
    spec.signal?.addEventListener('abort', onExternalAbort, { once: true })

    const renewal = setInterval(() => {
      lease.renew().then((held) => {
        if (!held) controller.abort(new SyncAbortedError('lost the sync lock (its lease expired and another process took it)'))
      }, (err: unknown) => { deps.log.warn({ runId: run.id, err: describeError(err) }, 'sync: could not renew the run lock') })
    }, Math.max(10, Math.floor(ttl / 3)))
    renewal.unref()

    const state: RunState = { processed: 0, synced: 0, failed: 0, pages: 0, limit: spec.limit ?? null, failures: new Map(), detail: { ...spec.detail } }
    const ctx: RunContext = {
      run,
      signal: controller.signal,
      state,
      throwIfAborted: () => { if (controller.signal.aborted) throw controller.signal.reason },
      patch: () => ({ recordsSynced: state.synced, recordsFailed: state.failed }),
      progress: () => {
        try {
          spec.onProgress?.({ processed: state.processed, limit: state.limit, synced: state.synced, failed: state.failed, pages: state.pages })
        } catch (err) {
          deps.log.warn({ runId: run.id, err: describeError(err) }, 'sync: progress callback threw')
        }
      }
    }
    deps.log.info({ runId: run.id, kind: spec.kind, trigger: spec.trigger, limit: spec.limit ?? null }, 'sync: run started')

    const entry: ActiveRun = { controller, done: Promise.resolve(run) }
    entry.done = (async (): Promise<SyncRun> => {
      let final: SyncRunPatch
      try {
        await body(ctx)
        final = { ...ctx.patch(), status: 'success', errorMessage: summarizeFailures(state), detail: state.detail, completed: true }
        deps.log.info({ runId: run.id, kind: spec.kind, synced: state.synced, failed: state.failed, pages: state.pages }, 'sync: run finished')
      } catch (err) {
        final = { ...ctx.patch(), status: 'failed', errorMessage: describeError(err), detail: { ...state.detail, errorCode: errorCode(err) }, completed: true }
        deps.log.warn({ runId: run.id, kind: spec.kind, synced: state.synced, failed: state.failed, pages: state.pages, code: errorCode(err), err: describeError(err) }, 'sync: run failed')
      } finally {
        clearInterval(renewal)
        spec.signal?.removeEventListener('abort', onExternalAbort)
      }
      try {
        await stores.syncLog.update(run.id, final)
      } catch (err) {
        deps.log.error({ runId: run.id, err: describeError(err) }, 'sync: could not record the end of a run')
      }
      await lease.release().catch((err: unknown) => { deps.log.warn({ runId: run.id, err: describeError(err) }, 'sync: could not release the run lock') })
      active.delete(entry)
      const stored = await stores.syncLog.get(run.id).catch(() => null)
      return stored ?? {
        ...run,
        status: final.status ?? 'failed',
        recordsSynced: state.synced,
        recordsFailed: state.failed,
        errorMessage: final.errorMessage ?? null,
        completedAt: new Date(),
        detail: final.detail ?? null
      }
    })()
    active.add(entry)
    return { run, done: entry.done }
  }

  async function close (timeoutMs: number): Promise<void> {
    closing = true
    const runs = [...active]
    for (const r of runs) r.controller.abort(new SyncAbortedError('the sync service is shutting down'))
    if (runs.length === 0) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(runs.map(async (r) => await r.done)),
      new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); timer.unref() })
    ])
    clearTimeout(timer)
  }

  return { start, reapAbandoned, close }
}
