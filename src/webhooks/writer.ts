import type { Knex } from 'knex'
import { createCallRepository } from '../db/calls.js'
import { transactionWithRetry } from '../db/knex.js'
import { createSyncLogRepository } from '../db/sync-log.js'
import type { CallRecord } from '../db/types.js'
import { WebhookError } from './errors.js'

export interface Delivery {
  /** The event type: the sync log row's trigger. */
  type: string
  call: CallRecord
  detail: Record<string, unknown>
}

export interface DeliveryWriter {
  /** Resolves once the call and its sync log row are committed; rejects with a 503 otherwise. */
  write: (delivery: Delivery) => Promise<void>
}

interface Pending extends Delivery {
  resolve: () => void
  reject: (err: WebhookError) => void
}

const STORE_ATTEMPTS = 4

/** The database refused this data (too long, out of range, a constraint), not the connection. */
function isDataError (err: unknown): boolean {
  const code = (err as { code?: string }).code ?? ''
  return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG' ||
    ['ER_DATA_TOO_LONG', 'ER_TRUNCATED_WRONG_VALUE', 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD', 'WARN_DATA_TRUNCATED',
      'ER_WARN_DATA_OUT_OF_RANGE', 'ER_BAD_NULL_ERROR', 'ER_NO_DEFAULT_FOR_FIELD', 'ER_CHECK_CONSTRAINT_VIOLATED',
      'ER_CONSTRAINT_FAILED', 'ER_INVALID_JSON_TEXT', 'ER_DUP_ENTRY'].includes(code)
}

/**
 * Splits deliveries so no conversation appears twice in one upsertMany: the n-th delivery of a
 * conversation goes into the n-th wave, and waves are written in order, so arrival order holds.
 */
function waves (items: Delivery[]): CallRecord[][] {
  const out: CallRecord[][] = []
  const seen = new Map<string, number>()
  for (const { call } of items) {
    const index = seen.get(call.conversationId) ?? 0
    seen.set(call.conversationId, index + 1)
    const wave = out[index] ?? []
    out[index] = wave
    wave.push(call)
  }
  return out
}

/**
 * Writes deliveries with group commit: whatever arrives while a transaction is committing goes
 * into the next one, together. One delivery alone is written at once; under load (ElevenLabs at
 * hundreds of deliveries a second) one transaction carries many, which is what keeps latency
 * flat. Each call and its sync log row commit together or not at all, and a caller hears back
 * only after the commit. A batch that fails is retried one delivery at a time, so one bad
 * delivery cannot cost the others their 200.
 */
export function createDeliveryWriter (knex: Knex, opts: { timeZone: string, maxBatch?: number, onBatch?: (size: number) => void }): DeliveryWriter {
  const maxBatch = opts.maxBatch ?? 200
  const queue: Pending[] = []
  let flushing = false

  async function storeTogether (items: Delivery[]): Promise<void> {
    await transactionWithRetry(knex, async (trx) => {
      const calls = createCallRepository(trx, { timeZone: opts.timeZone })
      for (const wave of waves(items)) await calls.upsertMany(wave)
      await createSyncLogRepository(trx).recordMany(items.map((d) => ({
        syncType: 'webhook', trigger: d.type, status: 'success', recordsSynced: 1, completed: true, detail: d.detail
      })))
    }, { attempts: STORE_ATTEMPTS, backoffMs: 5 })
  }

  function unavailable (err: unknown): WebhookError {
    return new WebhookError(503, 'database_unavailable', 'the delivery could not be stored right now; retry later', { cause: err })
  }

  async function writeBatch (batch: Pending[]): Promise<void> {
    try {
      await storeTogether(batch)
      for (const p of batch) p.resolve()
      return
    } catch (err) {
      if (batch.length === 1 || !isDataError(err)) {
        for (const p of batch) p.reject(unavailable(err))
        return
      }
    }
    // One delivery's data broke the batch: write them one by one so only that one fails.
    for (const [i, p] of batch.entries()) {
      try {
        await storeTogether([p])
        p.resolve()
      } catch (err) {
        p.reject(unavailable(err))
        if (!isDataError(err)) {
          for (const rest of batch.slice(i + 1)) rest.reject(unavailable(err))
          return
        }
      }
    }
  }

  async function flush (): Promise<void> {
    flushing = true
    try {
      while (queue.length > 0) {
        // One turn of the event loop lets deliveries already on their way join this batch: with
        // SQLite a transaction never yields, so without it every batch would hold one delivery.
        await new Promise((resolve) => setImmediate(resolve))
        const batch = queue.splice(0, maxBatch)
        opts.onBatch?.(batch.length)
        await writeBatch(batch)
      }
    } finally {
      flushing = false
    }
  }

  return {
    async write (delivery: Delivery): Promise<void> {
      await new Promise<void>((resolve, reject) => {
        queue.push({ ...delivery, resolve, reject })
        if (!flushing) void flush()
      })
    }
  }
}
