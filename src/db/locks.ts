import type { Knex } from 'knex'
import { randomUUID } from 'node:crypto'
import { fromDbTime, toDbTime } from './time.js'

export const LOCKS_TABLE = 'elevenlabs_sync_locks'

export interface LockHolder { owner: string, runId: number | null, expiresAt: Date | null }

export interface Lease {
  name: string
  owner: string
  /** Pushes the expiry forward; false when the lease was lost (expired and taken). */
  renew: () => Promise<boolean>
  release: () => Promise<void>
}

export type LockRepository = ReturnType<typeof createLockRepository>

/**
 * Lease locks in a table: one row per lock name holding an owner and an expiry. Works across
 * processes, and a holder that crashes simply lets its lease run out.
 */
export function createLockRepository (db: Knex, opts: { owner?: string } = {}) {
  const processOwner = opts.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`

  async function ensureRow (name: string): Promise<void> {
    await db(LOCKS_TABLE).insert({ name, owner: null, run_id: null, acquired_at: null, expires_at: null }).onConflict('name').ignore()
  }

  const repo = {
    owner: processOwner,

    /** Takes the lease if it is free or expired; null when someone else holds it. */
    async acquire (name: string, ttlMs: number, runId: number | null = null): Promise<Lease | null> {
      await ensureRow(name)
      const owner = `${processOwner}-${randomUUID().slice(0, 8)}`
      const now = new Date()
      const taken = await db(LOCKS_TABLE)
        .where({ name })
        .andWhere((w) => { w.whereNull('owner').orWhereNull('expires_at').orWhere('expires_at', '<=', toDbTime(now)) })
        .update({ owner, run_id: runId, acquired_at: toDbTime(now), expires_at: toDbTime(new Date(now.getTime() + ttlMs)) })
      if (taken !== 1) return null
      return {
        name,
        owner,
        renew: async () => {
          const n = await db(LOCKS_TABLE).where({ name, owner })
            .update({ expires_at: toDbTime(new Date(Date.now() + ttlMs)) })
          return n === 1
        },
        release: async () => {
          await db(LOCKS_TABLE).where({ name, owner }).update({ owner: null, run_id: null, expires_at: null })
        }
      }
    },

    async setRunId (name: string, owner: string, runId: number): Promise<void> {
      await db(LOCKS_TABLE).where({ name, owner }).update({ run_id: runId })
    },

    /** The live holder of a lock, or null when it is free or its lease expired. */
    async holder (name: string): Promise<LockHolder | null> {
      const row = await db(LOCKS_TABLE).where({ name }).first() as Record<string, unknown> | undefined
      if (row === undefined || row.owner === null) return null
      const expiresAt = fromDbTime(row.expires_at as string | null)
      if (expiresAt !== null && expiresAt.getTime() <= Date.now()) return null
      return { owner: row.owner as string, runId: row.run_id === null ? null : Number(row.run_id), expiresAt }
    }
  }
  return repo
}
