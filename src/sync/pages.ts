import type { Knex } from 'knex'
import { createCallRepository } from '../db/calls.js'
import { isRetryableWriteError } from '../db/knex.js'
import { createSyncLogRepository, type SyncRunPatch } from '../db/sync-log.js'
import type { CallRecord } from '../db/types.js'
import { callFromConversation, callFromSummary } from '../elevenlabs/mapping.js'
import type { Conversation, ConversationSummary, ElevenLabsClient } from '../elevenlabs/types.js'
import { mapLimit } from './concurrency.js'
import type { Stores, SyncDeps } from './context.js'
import { describeError, errorCode, isFatalUpstreamError } from './errors.js'
import { mergeRecords } from './records.js'
import type { RunContext } from './runner.js'

export type DetailResult = { id: string, conversation: Conversation } | { id: string, error: unknown }

/** Summaries the API sent that can be stored at all (a conversation id is the key). */
export function usableSummaries (items: unknown): ConversationSummary[] {
  if (!Array.isArray(items)) return []
  return items.filter((s): s is ConversationSummary =>
    typeof s === 'object' && s !== null && typeof (s as ConversationSummary).conversation_id === 'string' && (s as ConversationSummary).conversation_id !== '')
}

/**
 * Full conversations for these ids, at most `concurrency` requests at a time. A failed fetch is
 * a result (the caller counts it), except the errors that doom every later request too.
 */
export async function fetchDetails (client: ElevenLabsClient, ids: readonly string[], concurrency: number, signal?: AbortSignal): Promise<DetailResult[]> {
  return await mapLimit(ids, concurrency, async (id): Promise<DetailResult> => {
    try {
      return { id, conversation: await client.getConversation(id) }
    } catch (err) {
      if (isFatalUpstreamError(err)) throw err
      return { id, error: err }
    }
  }, signal)
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
  for (let attempt = 1; ; attempt++) {
    try {
      await knex.transaction(async (trx) => {
        await createCallRepository(trx, { timeZone }).upsertMany(records)
        await createSyncLogRepository(trx).update(runId, patch)
      })
      return
    } catch (err) {
      if (attempt >= 5 || !isRetryableWriteError(err)) throw err
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 40))
    }
  }
}

export interface PageOptions {
  /** Conversation ids already handled by this run (a repeated id is skipped, not counted twice). */
  seen: Set<string>
  /** The cursor to store with the page (backfill checkpoints). */
  checkpointCursor?: string | null
  /** Fetch details even for calls stored complete (never needed by the engine itself). */
  forceDetails?: boolean
}

/**
 * One list page: details for the calls the store does not hold complete, then one transaction
 * for the page's calls and the run's counters. Returns the ids stored.
 */
export async function syncPage (deps: SyncDeps, stores: Stores, ctx: RunContext, summaries: ConversationSummary[], opts: PageOptions): Promise<string[]> {
  const client = deps.client as ElevenLabsClient
  const fresh: ConversationSummary[] = []
  for (const s of summaries) {
    if (opts.seen.has(s.conversation_id)) continue
    opts.seen.add(s.conversation_id)
    fresh.push(s)
  }
  const ids = fresh.map((s) => s.conversation_id)
  const complete = opts.forceDetails === true ? new Set<string>() : await stores.calls.completeIds(ids)
  const wanted = ids.filter((id) => !complete.has(id))
  const results = await fetchDetails(client, wanted, deps.settings.detailConcurrency, ctx.signal)
  const details = new Map<string, Conversation>()
  for (const r of results) {
    if ('conversation' in r) {
      details.set(r.id, r.conversation)
    } else {
      const code = errorCode(r.error)
      ctx.state.failures.set(code, (ctx.state.failures.get(code) ?? 0) + 1)
      ctx.state.failed++
      deps.log.warn({ runId: ctx.run.id, conversationId: r.id, code, err: describeError(r.error) }, 'sync: could not fetch a conversation in full; stored its list data')
    }
  }
  const records = fresh.map((s) => recordFor(s, details.get(s.conversation_id)))
  ctx.state.processed += fresh.length
  ctx.state.synced += fresh.length - results.filter((r) => 'error' in r).length
  ctx.state.pages++
  const patch: SyncRunPatch = { ...ctx.patch(), detail: ctx.state.detail }
  if (opts.checkpointCursor !== undefined) patch.checkpointCursor = opts.checkpointCursor
  await commitPage(deps.knex, deps.settings.timeZone, records, ctx.run.id, patch)
  ctx.progress()
  return ids
}
