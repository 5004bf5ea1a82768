import { isElevenLabsError } from '../elevenlabs/errors.js'
import type { ConversationSummary, ConversationsPage, ElevenLabsClient, ListConversationsParams } from '../elevenlabs/types.js'
import type { Stores, SyncDeps } from './context.js'
import { usableSummaries } from './pages.js'
import { runPages, type PlannedPage } from './pipeline.js'
import type { RunContext } from './runner.js'

// Walkers over the newest-first list: a manual run (the newest N), a backfill (everything,
// checkpointed), and a poll's window (everything after a start time). Each one lists pages and
// decides which calls they bring; the pipeline (pipeline.ts) fetches and commits them.

const MAX_PAGE = 100

/** Backfill runs are logged (type manual) under this trigger, which is how the next one finds them. */
export const BACKFILL_TRIGGER = 'backfill'

function nextCursorOf (page: ConversationsPage): string | null {
  if (page.has_more !== true) return null
  const next = page.next_cursor
  return typeof next === 'string' && next !== '' ? next : null
}

function listParams (deps: SyncDeps, params: ListConversationsParams): ListConversationsParams {
  const out: ListConversationsParams = { ...params }
  if (deps.settings.agentId !== undefined) out.agentId = deps.settings.agentId
  return out
}

/**
 * For a has_more page without a cursor, where the walk cannot go on: says why the run stopped
 * there, once that page is committed.
 */
function noteDeadEnd (deps: SyncDeps, ctx: RunContext, page: ConversationsPage): (() => void) | undefined {
  if (page.has_more !== true || nextCursorOf(page) !== null) return undefined
  return () => {
    ctx.state.detail.stoppedEarly = 'the API said has_more but sent no next_cursor'
    deps.log.warn({ runId: ctx.run.id, pages: ctx.state.pages }, 'sync: list page has has_more but no next_cursor; stopping here')
  }
}

/** The summaries not in `seen` (which collects them), each once. */
function freshOf (summaries: ConversationSummary[], seen: Set<string>): ConversationSummary[] {
  return summaries.filter((s) => {
    if (seen.has(s.conversation_id)) return false
    seen.add(s.conversation_id)
    return true
  })
}

/** A walk's page as the pipeline takes it. */
function plan (deps: SyncDeps, ctx: RunContext, page: ConversationsPage, summaries: ConversationSummary[], checkpointCursor?: string | null): PlannedPage {
  const out: PlannedPage = { summaries }
  if (checkpointCursor !== undefined) out.checkpointCursor = checkpointCursor
  const onCommit = noteDeadEnd(deps, ctx, page)
  if (onCommit !== undefined) out.onCommit = onCommit
  return out
}

/** The newest `limit` conversations, in pages of at most 100. */
export async function walkNewest (deps: SyncDeps, stores: Stores, ctx: RunContext, limit: number): Promise<void> {
  await runPages(deps, stores, ctx, newestPages(deps, ctx, limit))
}

async function * newestPages (deps: SyncDeps, ctx: RunContext, limit: number): AsyncGenerator<PlannedPage, void, void> {
  const client = deps.client as ElevenLabsClient
  let cursor: string | null = null
  // Only neighbouring pages can repeat an id (a new call shifts the list under the cursor), so
  // the previous page's ids are enough to count each call once without holding the whole run's.
  let previous = new Set<string>()
  let idle = 0
  // Counted as pages are listed, not committed: pages are listed ahead, and the run must never
  // ask for more than `limit` calls.
  let scheduled = 0
  while (scheduled < limit) {
    const remaining = limit - scheduled
    const page = await client.listConversations(listParams(deps, { cursor, pageSize: Math.min(deps.settings.pageSize, MAX_PAGE, remaining) }))
    const fresh = freshOf(usableSummaries(page.conversations), new Set(previous)).slice(0, remaining)
    if (fresh.length > 0) previous = new Set(fresh.map((s) => s.conversation_id))
    scheduled += fresh.length
    yield plan(deps, ctx, page, fresh)
    const next = nextCursorOf(page)
    // A cursor that does not move, or pages that bring nothing new, would loop for ever.
    idle = fresh.length === 0 ? idle + 1 : 0
    if (next === null || next === cursor || idle >= 3) return
    cursor = next
  }
}

/**
 * The backfill run this one should continue, if the last one stopped before the end (a run
 * followed by a successful one is not offered: latestResumable checks).
 */
async function resumable (stores: Stores): Promise<{ id: number, cursor: string } | null> {
  const run = await stores.syncLog.latestResumable(BACKFILL_TRIGGER)
  if (run === null || run.checkpointCursor === null) return null
  return { id: run.id, cursor: run.checkpointCursor }
}

/**
 * The whole history. The cursor for the next page is committed with each page, so a run that
 * stops (killed, cancelled, upstream down) is continued by the next backfill from there.
 */
export async function walkHistory (deps: SyncDeps, stores: Stores, ctx: RunContext): Promise<void> {
  const resume = await resumable(stores)
  if (resume !== null) {
    ctx.state.detail.resumedFrom = resume.id
    // Carried over at once: if this run stops before its first page, the next one still
    // starts from here rather than from the top.
    await stores.syncLog.update(ctx.run.id, { checkpointCursor: resume.cursor, detail: ctx.state.detail })
    deps.log.info({ runId: ctx.run.id, resumedFrom: resume.id }, 'sync: backfill resumes from a checkpoint')
  }
  await runPages(deps, stores, ctx, historyPages(deps, ctx, resume?.cursor ?? null))
}

async function * historyPages (deps: SyncDeps, ctx: RunContext, start: string | null): AsyncGenerator<PlannedPage, void, void> {
  const client = deps.client as ElevenLabsClient
  let cursor = start
  let previous = new Set<string>()
  for (let first = true; ; first = false) {
    let page: ConversationsPage
    try {
      page = await client.listConversations(listParams(deps, { cursor, pageSize: Math.min(deps.settings.pageSize, MAX_PAGE) }))
    } catch (err) {
      // A checkpoint cursor the API no longer accepts would fail every backfill from now on:
      // start again from the top instead (the store's upsert makes re-reading harmless).
      if (first && cursor !== null && isElevenLabsError(err, 'ELEVENLABS_BAD_REQUEST')) {
        deps.log.warn({ runId: ctx.run.id }, 'sync: the API rejected the checkpoint cursor; the backfill starts from the newest call')
        ctx.state.detail.restartedFromTop = true
        cursor = null
        continue
      }
      throw err
    }
    const fresh = freshOf(usableSummaries(page.conversations), new Set(previous))
    previous = new Set(fresh.map((s) => s.conversation_id))
    const next = nextCursorOf(page)
    yield plan(deps, ctx, page, fresh, next ?? cursor)
    if (next === null || next === cursor) return
    cursor = next
  }
}

/** Every conversation started after `sinceUnix`; `seen` collects the ids (all stored once it returns). */
export async function walkSince (deps: SyncDeps, stores: Stores, ctx: RunContext, sinceUnix: number, seen: Set<string>): Promise<void> {
  await runPages(deps, stores, ctx, sincePages(deps, ctx, sinceUnix, seen))
}

async function * sincePages (deps: SyncDeps, ctx: RunContext, sinceUnix: number, seen: Set<string>): AsyncGenerator<PlannedPage, void, void> {
  const client = deps.client as ElevenLabsClient
  let cursor: string | null = null
  for (;;) {
    const page = await client.listConversations(listParams(deps, { cursor, pageSize: Math.min(deps.settings.pageSize, MAX_PAGE), startAfterUnix: sinceUnix }))
    yield plan(deps, ctx, page, freshOf(usableSummaries(page.conversations), seen))
    const next = nextCursorOf(page)
    if (next === null || next === cursor) return
    cursor = next
  }
}
