import type { CallRecord } from '../db/types.js'
import { callFromConversation } from '../elevenlabs/mapping.js'
import type { ElevenLabsClient } from '../elevenlabs/types.js'
import { isElevenLabsError } from '../elevenlabs/errors.js'
import type { Stores, SyncDeps } from './context.js'
import { describeError, errorCode } from './errors.js'
import { commitPage, fetchDetails } from './pages.js'
import type { RunContext } from './runner.js'
import { walkSince } from './walk.js'

export const POLL_TRIGGER = 'poll'

function unixOf (value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : null
}

/**
 * Where this poll starts: the watermark the last successful poll left. A failed poll leaves
 * none, so a failure never moves it forward. With no successful poll yet, the newest stored
 * start (or now) minus the lookback window.
 */
async function startingWatermark (deps: SyncDeps, stores: Stores): Promise<number> {
  const last = await stores.syncLog.latestCompleted(POLL_TRIGGER)
  const carried = unixOf(last?.detail?.nextSince)
  if (carried !== null) return carried
  const newest = await stores.calls.newestStartedAt()
  return Math.floor((newest?.getTime() ?? Date.now()) / 1000) - deps.settings.pollLookbackSeconds
}

/**
 * One polling pass: every call started after the watermark, then a re-fetch of stored calls
 * still waiting or in progress (their end arrives by webhook, unless the webhook is lost).
 */
export async function pollPass (deps: SyncDeps, stores: Stores, ctx: RunContext): Promise<void> {
  const client = deps.client as ElevenLabsClient
  const since = await startingWatermark(deps, stores)
  ctx.state.detail.since = since
  const seen = new Set<string>()
  await walkSince(deps, stores, ctx, since, seen)
  // Transient failures leave calls the window must look at again: the watermark waits.
  const transientBefore = ctx.state.failed - (ctx.state.failures.get('ELEVENLABS_NOT_FOUND') ?? 0)

  ctx.throwIfAborted()
  const unfinished = (await stores.calls.unfinished(deps.settings.unfinishedBatch)).filter((c) => !seen.has(c.conversationId))
  if (unfinished.length > 0) {
    const results = await fetchDetails(client, unfinished.map((c) => c.conversationId), deps.settings.detailConcurrency, ctx.signal)
    const records: CallRecord[] = []
    results.forEach((r, i) => {
      const stored = unfinished[i]
      if (stored === undefined) return
      if ('conversation' in r) {
        records.push(callFromConversation(r.conversation))
        ctx.state.synced++
        return
      }
      const code = errorCode(r.error)
      ctx.state.failed++
      ctx.state.failures.set(code, (ctx.state.failures.get(code) ?? 0) + 1)
      deps.log.warn({ runId: ctx.run.id, conversationId: r.id, code, err: describeError(r.error) }, 'sync: could not re-fetch an unfinished call')
      // Touch it (same status, nothing else) so it moves to the back of the re-fetch queue and
      // one call the API no longer knows cannot starve the others.
      if (isElevenLabsError(r.error, 'ELEVENLABS_NOT_FOUND')) records.push({ conversationId: stored.conversationId, status: stored.status, syncedFromApi: stored.syncedFromApi })
    })
    ctx.state.processed += unfinished.length
    ctx.state.detail.refetched = unfinished.length
    await commitPage(deps.knex, deps.settings.timeZone, records, ctx.run.id, { ...ctx.patch(), detail: ctx.state.detail })
    ctx.progress()
  }

  const newest = await stores.calls.newestStartedAt()
  const candidate = newest === null ? since : Math.floor(newest.getTime() / 1000) - deps.settings.pollLookbackSeconds
  ctx.state.detail.nextSince = transientBefore > 0 ? since : Math.max(since, candidate)
}
