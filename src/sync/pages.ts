import type { Knex } from 'knex'
import { createCallRepository } from '../db/calls.js'
import { transactionWithRetry } from '../db/knex.js'
import { createSyncLogRepository, type SyncRunPatch } from '../db/sync-log.js'
import type { CallRecord } from '../db/types.js'
import { callFromConversation, callFromSummary } from '../elevenlabs/mapping.js'
import type { Conversation, ConversationSummary, ElevenLabsClient } from '../elevenlabs/types.js'
import { mapLimit } from './concurrency.js'
import { isFatalUpstreamError } from './errors.js'
import { mergeRecords } from './records.js'

export type DetailResult = { id: string, conversation: Conversation } | { id: string, error: unknown }

/** Summaries the API sent that can be stored at all (a conversation id is the key). */
export function usableSummaries (items: unknown): ConversationSummary[] {
  if (!Array.isArray(items)) return []
  return items.filter((s): s is ConversationSummary =>
    typeof s === 'object' && s !== null && typeof (s as ConversationSummary).conversation_id === 'string' && (s as ConversationSummary).conversation_id !== '')
}

/** Full conversations for these ids, at most `concurrency` requests at a time (see fetchDetail). */
export async function fetchDetails (client: ElevenLabsClient, ids: readonly string[], concurrency: number, signal?: AbortSignal): Promise<DetailResult[]> {
  return await mapLimit(ids, concurrency, async (id) => await fetchDetail(client, id), signal)
}

/** One full conversation; a failure is a result, except the errors that doom every later request too. */
export async function fetchDetail (client: ElevenLabsClient, id: string): Promise<DetailResult> {
  try {
    return { id, conversation: await client.getConversation(id) }
  } catch (err) {
    if (isFatalUpstreamError(err)) throw err
    return { id, error: err }
  }
}

/** A list summary completed by its full conversation when we have it. */
export function recordFor (summary: ConversationSummary, detail: Conversation | undefined): CallRecord {
  const base = callFromSummary(summary)
  return detail === undefined ? base : mergeRecords(base, callFromConversation(detail))
}

/**
 * Upserts the calls and moves the run's sync log row in one transaction, so a checkpoint
 * never runs ahead of the data it vouches for. Deadlocks (MariaDB, against a concurrent
 * writer of the same rows) are retried whole.
 */
export async function commitPage (knex: Knex, timeZone: string, records: CallRecord[], runId: number, patch: SyncRunPatch): Promise<void> {
  await transactionWithRetry(knex, async (trx) => {
    await createCallRepository(trx, { timeZone }).upsertMany(records)
    await createSyncLogRepository(trx).update(runId, patch)
  }, { attempts: 5, backoffMs: 10 })
}
