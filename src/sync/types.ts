import type { CallRecord } from '../db/types.js'
import type { SyncRun } from '../db/sync-log.js'

// The sync engine as the rest of the service sees it (fastify.sync).

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

export interface SyncService {
  /** One manual run of up to `limit` newest calls; refuses with SyncInProgressError. */
  startManualSync: (opts: { limit: number, trigger?: string, onProgress?: (p: SyncProgress) => void }) => Promise<StartedRun>
  /** Walks the whole history, resuming the last interrupted backfill from its checkpoint. */
  startBackfill: (opts?: { trigger?: string, onProgress?: (p: SyncProgress) => void }) => Promise<StartedRun>
  /** One polling pass (also run every POLL_INTERVAL_SECONDS when enabled). */
  pollOnce: () => Promise<SyncRun>
  head: LiveHead
}
