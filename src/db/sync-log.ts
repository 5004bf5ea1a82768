import type { Knex } from 'knex'
import { fromDbTime, toDbTime } from './time.js'

export const SYNC_LOG_TABLE = 'elevenlabs_sync_log'

export type SyncType = 'webhook' | 'polling' | 'manual'
export type SyncRunStatus = 'success' | 'failed' | 'in_progress'

export interface SyncRun {
  id: number
  syncType: SyncType
  trigger: string | null
  status: SyncRunStatus
  recordsSynced: number
  recordsFailed: number
  errorMessage: string | null
  startedAt: Date
  completedAt: Date | null
  checkpointCursor: string | null
  detail: Record<string, unknown> | null
  heartbeatAt: Date | null
}

export interface SyncRunPatch {
  status?: SyncRunStatus
  recordsSynced?: number
  recordsFailed?: number
  errorMessage?: string | null
  checkpointCursor?: string | null
  detail?: Record<string, unknown> | null
  completed?: boolean
}

// Error messages land in an audit table that people read: keep them short and single-line.
const MAX_ERROR_LENGTH = 2000

type Row = Record<string, unknown>

function toRun (row: Row): SyncRun {
  let detail: Record<string, unknown> | null = null
  if (typeof row.detail === 'string') {
    try { detail = JSON.parse(row.detail) as Record<string, unknown> } catch { detail = null }
  }
  return {
    id: Number(row.id),
    syncType: row.sync_type as SyncType,
    trigger: (row.sync_trigger as string | null) ?? null,
    status: row.status as SyncRunStatus,
    recordsSynced: Number(row.records_synced ?? 0),
    recordsFailed: Number(row.records_failed ?? 0),
    errorMessage: (row.error_message as string | null) ?? null,
    startedAt: fromDbTime(row.sync_started_at as string) as Date,
    completedAt: fromDbTime(row.sync_completed_at as string | null),
    checkpointCursor: (row.checkpoint_cursor as string | null) ?? null,
    detail,
    heartbeatAt: fromDbTime(row.heartbeat_at as string | null)
  }
}

function patchRow (patch: SyncRunPatch): Row {
  const row: Row = { heartbeat_at: toDbTime(new Date()) }
  if (patch.status !== undefined) row.status = patch.status
  if (patch.recordsSynced !== undefined) row.records_synced = patch.recordsSynced
  if (patch.recordsFailed !== undefined) row.records_failed = patch.recordsFailed
  if (patch.errorMessage !== undefined) {
    row.error_message = patch.errorMessage === null ? null : patch.errorMessage.replace(/\s+/g, ' ').slice(0, MAX_ERROR_LENGTH)
  }
  if (patch.checkpointCursor !== undefined) row.checkpoint_cursor = patch.checkpointCursor
  if (patch.detail !== undefined) row.detail = patch.detail === null ? null : JSON.stringify(patch.detail)
  if (patch.completed === true) row.sync_completed_at = toDbTime(new Date())
  return row
}

export interface NewRun {
  syncType: SyncType
  trigger?: string
  status?: SyncRunStatus
  detail?: Record<string, unknown>
  recordsSynced?: number
  recordsFailed?: number
  completed?: boolean
}

function newRunRow (input: NewRun, now: string): Row {
  return {
    sync_type: input.syncType,
    sync_trigger: input.trigger ?? null,
    status: input.status ?? 'in_progress',
    records_synced: input.recordsSynced ?? 0,
    records_failed: input.recordsFailed ?? 0,
    sync_started_at: now,
    sync_completed_at: input.completed === true ? now : null,
    detail: input.detail === undefined ? null : JSON.stringify(input.detail),
    heartbeat_at: now
  }
}

export type SyncLogRepository = ReturnType<typeof createSyncLogRepository>

export function createSyncLogRepository (db: Knex | Knex.Transaction) {
  const repo = {
    async create (input: NewRun): Promise<SyncRun> {
      const [id] = await db(SYNC_LOG_TABLE).insert(newRunRow(input, toDbTime(new Date())))
      return await repo.get(Number(id)) as SyncRun
    },

    /** Logs finished runs in one multi-row insert, without reading them back (webhook batches). */
    async recordMany (inputs: NewRun[]): Promise<void> {
      if (inputs.length === 0) return
      const now = toDbTime(new Date())
      await db(SYNC_LOG_TABLE).insert(inputs.map((input) => newRunRow(input, now)))
    },

    async update (id: number, patch: SyncRunPatch): Promise<void> {
      await db(SYNC_LOG_TABLE).where({ id }).update(patchRow(patch))
    },

    async get (id: number): Promise<SyncRun | null> {
      const row = await db(SYNC_LOG_TABLE).where({ id }).first() as Row | undefined
      return row === undefined ? null : toRun(row)
    },

    /** Newest first; optionally one type only (so webhook rows do not drown manual runs). */
    async list (options: { limit?: number, type?: SyncType | null } = {}): Promise<SyncRun[]> {
      const qb = db(SYNC_LOG_TABLE).orderBy('id', 'desc').limit(Math.max(1, Math.min(options.limit ?? 10, 100)))
      if (options.type !== undefined && options.type !== null) qb.where({ sync_type: options.type })
      return (await qb as Row[]).map(toRun)
    },

    /**
     * The newest run of a trigger that did not finish and left a checkpoint (a backfill to
     * resume), unless a later run of that trigger succeeded: then there is nothing to resume.
     */
    async latestResumable (trigger: string): Promise<SyncRun | null> {
      const success = await db(SYNC_LOG_TABLE).max({ id: 'id' }).where({ sync_trigger: trigger, status: 'success' }).first() as Row | undefined
      const qb = db(SYNC_LOG_TABLE).where({ sync_trigger: trigger }).whereIn('status', ['in_progress', 'failed'])
        .whereNotNull('checkpoint_cursor').orderBy('id', 'desc').first()
      if (success?.id !== null && success?.id !== undefined) qb.where('id', '>', Number(success.id))
      const row = await qb as Row | undefined
      return row === undefined ? null : toRun(row)
    },

    async latestCompleted (trigger: string): Promise<SyncRun | null> {
      const row = await db(SYNC_LOG_TABLE).where({ sync_trigger: trigger, status: 'success' }).orderBy('id', 'desc').first() as Row | undefined
      return row === undefined ? null : toRun(row)
    },

    async lastCompletedAt (options: { type?: SyncType, status?: SyncRunStatus } = {}): Promise<Date | null> {
      const qb = db(SYNC_LOG_TABLE).max({ at: 'sync_completed_at' })
      if (options.type !== undefined) qb.where({ sync_type: options.type })
      if (options.status !== undefined) qb.where({ status: options.status })
      const row = await qb.first() as Row | undefined
      return fromDbTime((row?.at as string | null | undefined) ?? null)
    },

    /** Marks runs of `types` left in_progress (by a crashed process) as failed. */
    async failAbandoned (types: SyncType[], reason: string, exceptRunIds: number[] = []): Promise<number> {
      const qb = db(SYNC_LOG_TABLE).where({ status: 'in_progress' }).whereIn('sync_type', types)
      if (exceptRunIds.length > 0) qb.whereNotIn('id', exceptRunIds)
      return await qb.update(patchRow({ status: 'failed', errorMessage: reason, completed: true }))
    }
  }
  return repo
}
