import type { CallRecord } from '../db/types.js'
import type { SyncRun } from '../db/sync-log.js'

// The sync engine as the rest of the service sees it (fastify.sync).

/** The most calls one manual run may be asked for (the whole history is a backfill's job). */
export const MAX_MANUAL_LIMIT = 1_000_000

export class SyncInProgressError extends Error {
  override name = 'SyncInProgressError'
  readonly code = 'SYNC_IN_PROGRESS'
  constructor (readonly runId: number | null, kind: string) {
    super(runId === null ? `a ${kind} sync is already running` : `a ${kind} sync is already running (run ${runId})`)
  }
}

export interface SyncProgress { processed: number, limit: number | null, synced: number, failed: number, pages: number }

export interface StartedRun {
  /** The run as logged when it started (status in_progress). */
  run: SyncRun
  /** Settles with the finished run (success or failed); never rejects. */
  done: Promise<SyncRun>
}

export interface LiveHead {
  /**
   * The newest HYBRID_API_LIMIT calls from the API, newest first, with the details a list row
   * needs (phone numbers for calls not stored complete). Concurrent callers share one upstream
   * request; a result is reused for HEAD_CACHE_TTL_MS; calls seen are stored in the background.
   * Rejects when the API fails; the caller decides how long to wait.
   */
  get: () => Promise<CallRecord[]>
  /** Forgets the cached head (tests, and after a manual sync). */
  invalidate: () => void
}

export interface RunOptions {
  /** Who asked: 'manual', 'cli', 'graphql', ... (kept in the sync log). */
  trigger?: string
  /** Called after each committed page. */
  onProgress?: (p: SyncProgress) => void
  /**
   * Stops the run before its next request; a page not yet committed is dropped (the checkpoint
   * is the last committed one). The run ends failed, and a backfill resumable.
   */
  signal?: AbortSignal
}

export interface SyncService {
  /** One manual run of up to `limit` newest calls; refuses with SyncInProgressError. */
  startManualSync: (opts: RunOptions & { limit: number }) => Promise<StartedRun>
  /** Walks the whole history, resuming the last interrupted backfill from its checkpoint. */
  startBackfill: (opts?: RunOptions) => Promise<StartedRun>
  /** One polling pass (also run every POLL_INTERVAL_SECONDS when enabled). */
  pollOnce: () => Promise<SyncRun>
  head: LiveHead
}

/** What the plugin and the CLI hold on top of the service. */
export interface SyncEngine extends SyncService {
  /** Marks runs left in_progress by a stopped process as failed (those whose lock is free). */
  reapAbandoned: () => Promise<number>
  /** Polls every `intervalSeconds` (timers unref'd); 0 disables. */
  startPolling: (intervalSeconds: number) => void
  /** Stops polling, asks running runs to stop, and waits (bounded) for them to settle. */
  close: () => Promise<void>
}
