import type { SyncRunPatch } from '../db/sync-log.js'
import { isElevenLabsError } from '../elevenlabs/errors.js'
import type { Conversation, ConversationSummary, ElevenLabsClient } from '../elevenlabs/types.js'
import { Semaphore } from './concurrency.js'
import type { Stores, SyncDeps } from './context.js'
import { describeError, errorCode, isFatalUpstreamError } from './errors.js'
import { commitPage, fetchDetail, recordFor, type DetailResult } from './pages.js'
import type { RunContext } from './runner.js'

// A walk's pages, overlapped. Detail requests are what bound a sync's rate, so their slots must
// never wait for a list request or a commit: the next page is listed while this one's details
// are in flight, and every page's details share one first-come-first-served set of slots, so the
// next page's start as this one's stop. Commits still go strictly in page order, each once all
// of its page's details have settled, so a checkpoint never runs ahead of the data it vouches for.

/**
 * Pages listed but not yet committed, the one being listed included. Full conversations carry
 * transcripts, so this bounds memory; three keep the slots busy while a page is listed and
 * another committed.
 */
const PAGES_IN_HAND = 3

/** One list page as a walk hands it over: rid of ids earlier pages of the run already had. */
export interface PlannedPage {
  summaries: ConversationSummary[]
  /** Committed with the page: where the next backfill resumes (absent: no checkpoint). */
  checkpointCursor?: string | null
  /** Once the page is committed (a walk noting why it stops after it). */
  onCommit?: () => void
}

/** A detail never asked for because the run was stopping: its page is incomplete. */
const SKIPPED = Symbol('skipped')
type Outcome = DetailResult | typeof SKIPPED

interface Job {
  page: PlannedPage
  /** Never rejects: a fatal error stops the run and leaves SKIPPED in its place. */
  outcomes: Promise<Outcome[]>
}

/** Wakes whoever waits for the pipeline to move (room to list, a page to commit, a stop). */
class Changes {
  private waiters: Array<() => void> = []
  async wait (): Promise<void> { await new Promise<void>((resolve) => { this.waiters.push(resolve) }) }
  notify (): void { for (const wake of this.waiters.splice(0)) wake() }
}

/**
 * Lists, fetches and commits the pages `pages` yields until it is done. The first error stops
 * new requests (a list request that failed on its own only stops the listing: pages already
 * listed are finished and committed), waits for those in flight, and is thrown; nothing is
 * committed after an abort or past a page left incomplete.
 */
export async function runPages (deps: SyncDeps, stores: Stores, ctx: RunContext, pages: AsyncGenerator<PlannedPage, void, void>): Promise<void> {
  const client = deps.client as ElevenLabsClient
  const slots = new Semaphore(deps.settings.detailConcurrency)
  const jobs: Job[] = []
  const changes = new Changes()
  let failure: { err: unknown } | null = null
  let halted = false
  let listed = false

  const fail = (err: unknown, halt: boolean): void => {
    failure ??= { err }
    halted ||= halt
    changes.notify()
  }
  const onAbort = (): void => { fail(ctx.signal.reason, true) }

  const fetchOne = async (id: string): Promise<Outcome> => await slots.run(async () => {
    if (halted) return SKIPPED
    try {
      return await fetchDetail(client, id)
    } catch (err) {
      fail(err, true)
      return SKIPPED
    }
  })

  const list = async (): Promise<void> => {
    try {
      for (;;) {
        while (failure === null && jobs.length >= PAGES_IN_HAND - 1) await changes.wait()
        if (failure !== null) return
        const next = await pages.next()
        if (next.done === true || failure !== null) return
        const ids = next.value.summaries.map((s) => s.conversation_id)
        const complete = await stores.calls.completeIds(ids)
        // Queued before the next page is listed, so the slots serve pages in order.
        jobs.push({ page: next.value, outcomes: Promise.all(ids.filter((id) => !complete.has(id)).map(fetchOne)) })
        changes.notify()
      }
    } catch (err) {
      // An upstream error about this list request alone leaves the pages already listed good.
      fail(err, !isElevenLabsError(err) || isFatalUpstreamError(err))
    } finally {
      listed = true
      changes.notify()
    }
  }

  const commitInOrder = async (): Promise<void> => {
    for (;;) {
      while (jobs.length === 0 && !listed) await changes.wait()
      const job = jobs[0]
      if (job === undefined) return
      const outcomes = await job.outcomes
      if (ctx.signal.aborted || outcomes.includes(SKIPPED)) return
      try {
        await commit(deps, ctx, job.page, outcomes as DetailResult[])
      } catch (err) {
        fail(err, true)
        return
      }
      jobs.shift()
      changes.notify()
    }
  }

  if (ctx.signal.aborted) onAbort()
  else ctx.signal.addEventListener('abort', onAbort, { once: true })
  try {
    await Promise.all([list(), commitInOrder()])
    // No request outlives the run: those of pages left uncommitted settle first.
    await Promise.all(jobs.map(async (j) => await j.outcomes))
    await pages.return()
  } finally {
    ctx.signal.removeEventListener('abort', onAbort)
  }
  if (failure !== null) throw (failure as { err: unknown }).err
}

/**
 * One page's calls and the run's counters in one transaction. The counters move with the page,
 * so the sync log row always matches what is stored, also when the commit fails.
 */
async function commit (deps: SyncDeps, ctx: RunContext, page: PlannedPage, results: DetailResult[]): Promise<void> {
  const details = new Map<string, Conversation>()
  const failed: Array<{ id: string, error: unknown }> = []
  for (const r of results) {
    if ('conversation' in r) details.set(r.id, r.conversation)
    else failed.push(r)
  }
  const records = page.summaries.map((s) => recordFor(s, details.get(s.conversation_id)))
  const state = ctx.state
  const before = { processed: state.processed, synced: state.synced, failed: state.failed, pages: state.pages, failures: new Map(state.failures) }
  state.processed += page.summaries.length
  state.synced += page.summaries.length - failed.length
  state.failed += failed.length
  state.pages++
  for (const f of failed) state.failures.set(errorCode(f.error), (state.failures.get(errorCode(f.error)) ?? 0) + 1)
  const patch: SyncRunPatch = { ...ctx.patch(), detail: state.detail }
  if (page.checkpointCursor !== undefined) patch.checkpointCursor = page.checkpointCursor
  try {
    await commitPage(deps.knex, deps.settings.timeZone, records, ctx.run.id, patch)
  } catch (err) {
    Object.assign(state, before)
    throw err
  }
  for (const f of failed) {
    deps.log.warn({ runId: ctx.run.id, conversationId: f.id, code: errorCode(f.error), err: describeError(f.error) }, 'sync: could not fetch a conversation in full; stored its list data')
  }
  page.onCommit?.()
  ctx.progress()
}
