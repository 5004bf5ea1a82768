import { isElevenLabsError } from '../elevenlabs/errors.js'
import type { ConversationsPage, ElevenLabsClient, ListConversationsParams } from '../elevenlabs/types.js'
import type { Stores, SyncDeps } from './context.js'
import { syncPage, usableSummaries } from './pages.js'
import type { RunContext } from './runner.js'

// Walkers over the newest-first list: a manual run (the newest N), a backfill (everything,
// checkpointed), and a poll's window (everything after a start time).

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

/** Notes a has_more page without a cursor: the walk cannot go on, and says why it stopped. */
function noteDeadEnd (deps: SyncDeps, ctx: RunContext, page: ConversationsPage): void {
  if (page.has_more === true && nextCursorOf(page) === null) {
    ctx.state.detail.stoppedEarly = 'the API said has_more but sent no next_cursor'
    deps.log.warn({ runId: ctx.run.id, pages: ctx.state.pages }, 'sync: list page has has_more but no next_cursor; stopping here')
  }
}

/** The newest `limit` conversations, in pages of at most 100. */
export async function walkNewest (deps: SyncDeps, stores: Stores, ctx: RunContext, limit: number): Promise<void> {
  const client = deps.client as ElevenLabsClient
  let cursor: string | null = null
  // Only neighbouring pages can repeat an id (a new call shifts the list under the cursor), so
  // the previous page's ids are enough to count each call once without holding the whole run's.
  let previous = new Set<string>()
  let idle = 0
  while (ctx.state.processed < limit) {
    ctx.throwIfAborted()
    const remaining = limit - ctx.state.processed
    const page = await client.listConversations(listParams(deps, { cursor, pageSize: Math.min(deps.settings.pageSize, MAX_PAGE, remaining) }))
    const fresh = usableSummaries(page.conversations).filter((s) => !previous.has(s.conversation_id)).slice(0, remaining)
    const ids = await syncPage(deps, stores, ctx, fresh, { seen: new Set(previous) })
    if (ids.length > 0) previous = new Set(ids)
    noteDeadEnd(deps, ctx, page)
    const next = nextCursorOf(page)
    // A cursor that does not move, or pages that bring nothing new, would loop for ever.
    idle = fresh.length === 0 ? idle + 1 : 0
    if (next === null || next === cursor || idle >= 3) break
    cursor = next
  }
}

/** The backfill run this one should continue, if the last one stopped before the end. */
async function resumable (stores: Stores): Promise<{ id: number, cursor: string } | null> {
  const run = await stores.syncLog.latestResumable(BACKFILL_TRIGGER)
  if (run === null || run.checkpointCursor === null) return null
  const finished = await stores.syncLog.latestCompleted(BACKFILL_TRIGGER)
  if (finished !== null && finished.id > run.id) return null
  return { id: run.id, cursor: run.checkpointCursor }
}

/**
 * The whole history. The cursor for the next page is committed with each page, so a run that
 * stops (killed, cancelled, upstream down) is continued by the next backfill from there.
 */
export async function walkHistory (deps: SyncDeps, stores: Stores, ctx: RunContext): Promise<void> {
  const client = deps.client as ElevenLabsClient
  const resume = await resumable(stores)
  let cursor: string | null = resume?.cursor ?? null
  if (resume !== null) {
    ctx.state.detail.resumedFrom = resume.id
    // Carried over at once: if this run stops before its first page, the next one still
    // starts from here rather than from the top.
    await stores.syncLog.update(ctx.run.id, { checkpointCursor: cursor, detail: ctx.state.detail })
    deps.log.info({ runId: ctx.run.id, resumedFrom: resume.id }, 'sync: backfill resumes from a checkpoint')
  }
  let previousIds = new Set<string>()
  for (let first = true; ; first = false) {
    ctx.throwIfAborted()
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
    const summaries = usableSummaries(page.conversations)
    const next = nextCursorOf(page)
    const ids = await syncPage(deps, stores, ctx, summaries, { seen: new Set(previousIds), checkpointCursor: next ?? cursor })
    previousIds = new Set(ids)
    noteDeadEnd(deps, ctx, page)
    if (next === null || next === cursor) break
    cursor = next
  }
}

/** Every conversation started after `sinceUnix`; `seen` collects the ids stored. */
export async function walkSince (deps: SyncDeps, stores: Stores, ctx: RunContext, sinceUnix: number, seen: Set<string>): Promise<void> {
  const client = deps.client as ElevenLabsClient
  let cursor: string | null = null
  for (;;) {
    ctx.throwIfAborted()
    const page = await client.listConversations(listParams(deps, { cursor, pageSize: Math.min(deps.settings.pageSize, MAX_PAGE), startAfterUnix: sinceUnix }))
    await syncPage(deps, stores, ctx, usableSummaries(page.conversations), { seen })
    noteDeadEnd(deps, ctx, page)
    const next = nextCursorOf(page)
    if (next === null || next === cursor) break
    cursor = next
  }
}
