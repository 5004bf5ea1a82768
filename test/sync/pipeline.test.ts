import t, { type Test } from 'tap'
import type { SyncRun } from '../../src/db/sync-log.js'
import type { RequestRecord } from '../../src/emulator/faults.js'
import type { RunningEmulator } from '../helpers/emulator.js'
import { listQueries, newestIds, rowCount, storedIds, syncSetup, type SyncSetup } from './helpers.js'

// The walk's pipeline, seen from the emulator: detail requests of the next page fill the slots
// the current page leaves, the next page is listed while details are in flight, and commits
// stay in page order with their checkpoints.

const PAGE = 10

function detailRequests (emu: RunningEmulator): RequestRecord[] {
  return emu.emulator.stats.snapshot().recent.filter((r) => r.endpoint === 'detail')
}

function idOf (r: RequestRecord): string {
  return r.url.split('?')[0]?.split('/').pop() ?? ''
}

/** Nothing left in flight at the emulator: the run waited for every request it made. */
function nothingInFlight (emu: RunningEmulator): boolean {
  const now = emu.emulator.stats.snapshot().inFlight
  return now.list === 0 && now.detail === 0
}

/**
 * The next backfill continues `stopped` from its checkpoint and ends with every call in `ids`
 * stored exactly once, `remaining` of them by itself.
 */
async function resumesToTheEnd (t: Test, setup: SyncSetup, stopped: SyncRun, firstLists: number, ids: string[], remaining: number): Promise<void> {
  const resumed = await (await setup.engine.startBackfill()).done
  t.equal(resumed.status, 'success')
  t.match(resumed.detail, { resumedFrom: stopped.id })
  t.equal(listQueries(setup.emu)[firstLists]?.get('cursor'), stopped.checkpointCursor, 'it starts at the checkpoint')
  t.equal(resumed.recordsSynced, remaining)
  const stored = await storedIds(setup.db)
  t.equal(stored.length, ids.length, 'every call stored exactly once')
  t.same(stored.sort(), [...ids].sort())
}

t.test('detail requests run across page boundaries at the configured concurrency, never above it', async (t) => {
  const concurrency = 4
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 100 }, settings: { pageSize: PAGE, detailConcurrency: concurrency } })
  // Details are what take time; 10 a page at 4 at a time leaves 2 slots of each page's last
  // round for the next page (the serial walk left them idle, then listed, then went on).
  emu.emulator.latency.detail = 40
  const run = await (await engine.startBackfill()).done
  t.equal(run.status, 'success')
  t.equal(run.recordsSynced, 100)
  t.equal(await rowCount(db), 100)

  const stats = emu.emulator.stats.snapshot()
  t.equal(stats.maxInFlight.detail, concurrency, 'the slots were all in use, and never more')
  t.equal(stats.requests.detail, 100, 'one detail request per call')
  const lists = stats.recent.filter((r) => r.endpoint === 'list')
  t.ok(lists.some((r) => r.inFlightAtStart.detail > 0), 'a page was listed while details were in flight')

  // For each page boundary: did the next page's first detail start before this page's last
  // one was answered? The serial walk never overlaps them. Pages of 10 at 4 at a time end on a
  // round of 2 every other page, whose 2 free slots go to the next page at once: at least 5 of
  // the 9 boundaries overlap even if every round started and ended in step.
  const ids = newestIds(emu, 100)
  const pageOf = new Map(ids.map((id, i) => [id, Math.floor(i / PAGE)]))
  const details = detailRequests(emu)
  let overlapping = 0
  for (let p = 0; p < 9; p++) {
    const lastEnd = Math.max(...details.filter((r) => pageOf.get(idOf(r)) === p).map((r) => r.at))
    const nextStart = Math.min(...details.filter((r) => pageOf.get(idOf(r)) === p + 1).map((r) => r.startedAt))
    if (nextStart < lastEnd) overlapping++
  }
  t.ok(overlapping >= 5, `the next page's details started while this page's ran at ${overlapping} of 9 boundaries`)
  t.ok(nothingInFlight(emu))
})

t.test('a 401 on a detail of page 3: pages 1-2 committed with page 2\'s checkpoint, nothing after; the next backfill resumes there', async (t) => {
  const setup = await syncSetup(t, { emulator: { count: 50 }, settings: { pageSize: PAGE, detailConcurrency: 4 } })
  const { emu, db, engine } = setup
  emu.emulator.latency.detail = 10
  const ids = newestIds(emu, 50)
  // Answered late, so that page 4 is listed and fetched in full before page 3 fails: complete
  // as it is, it must not be committed past the page that failed.
  emu.emulator.faults.add({ endpoint: 'detail', conversationId: ids[29] as string, status: 401, delayMs: 400 })
  const failed = await (await engine.startBackfill()).done
  t.ok(nothingInFlight(emu), 'no request outlives the run')
  t.equal(failed.status, 'failed')
  t.match(failed.errorMessage, /ELEVENLABS_UNAUTHORIZED/)
  t.equal(failed.recordsSynced, 20, 'the sync log counts the two committed pages')
  t.equal(failed.recordsFailed, 0)
  t.same((await storedIds(db)).sort(), ids.slice(0, 20).sort(), 'pages 1 and 2 stored, nothing of pages 3 and 4')
  const firstLists = listQueries(emu)
  t.equal(failed.checkpointCursor, firstLists[2]?.get('cursor'), 'the checkpoint is where page 3 starts')
  const page4Fetched = detailRequests(emu).filter((r) => ids.slice(30, 40).includes(idOf(r)) && r.status === 200)
  t.equal(page4Fetched.length, 10, 'page 4 was fetched in full meanwhile (and still not committed)')

  await resumesToTheEnd(t, setup, failed, firstLists.length, ids, 30)
})

t.test('an abort while details are in flight: no commit after it, the run ends failed and resumable', async (t) => {
  const setup = await syncSetup(t, { emulator: { count: 60 }, settings: { pageSize: PAGE, detailConcurrency: 3 } })
  const { emu, db, engine } = setup
  emu.emulator.latency.detail = 10
  const ids = newestIds(emu, 60)
  const stop = new AbortController()
  // Page 2's last detail is slow, so page 3's details run beside it; one of them aborts the run
  // from inside the emulator. Page 2 then completes after the abort, and must not be committed.
  emu.emulator.faults.add({ endpoint: 'detail', conversationId: ids[19] as string, delayMs: 300 })
  emu.emulator.faults.add({ endpoint: 'detail', conversationId: ids[24] as string, transform: (body) => { stop.abort(); return body } })
  const commits: Array<{ pages: number, afterAbort: boolean }> = []
  const first = await (await engine.startBackfill({ signal: stop.signal, onProgress: (p) => { commits.push({ pages: p.pages, afterAbort: stop.signal.aborted }) } })).done
  t.ok(nothingInFlight(emu), 'no request outlives the run')
  t.equal(first.status, 'failed')
  t.match(first.detail, { errorCode: 'SYNC_ABORTED' })
  t.same(commits, [{ pages: 1, afterAbort: false }], 'page 1 committed before the abort, nothing after it')
  t.equal(detailRequests(emu).filter((r) => ids.slice(10, 20).includes(idOf(r)) && r.status === 200).length, 10, 'page 2 was fetched in full (and still not committed)')
  t.equal(first.recordsSynced, PAGE, 'the sync log counts what was committed')
  t.same((await storedIds(db)).sort(), ids.slice(0, PAGE).sort(), 'and exactly that is stored')
  const firstLists = listQueries(emu)
  t.equal(first.checkpointCursor, firstLists[1]?.get('cursor'), 'the checkpoint is where page 2 starts')

  await resumesToTheEnd(t, setup, first, firstLists.length, ids, 50)
})

t.test('the sync log\'s counters equal the rows stored, with per-call failures on several pages', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 45 }, settings: { pageSize: PAGE, detailConcurrency: 4 } })
  emu.emulator.latency.detail = 5
  const ids = newestIds(emu, 45)
  const missing = [ids[3], ids[9], ids[10], ids[27], ids[44]] as string[]
  for (const id of missing) emu.emulator.faults.add({ endpoint: 'detail', conversationId: id, status: 404 })
  const progress: Array<{ processed: number, synced: number, failed: number, pages: number }> = []
  const run = await (await engine.startBackfill({ onProgress: (p) => { progress.push({ processed: p.processed, synced: p.synced, failed: p.failed, pages: p.pages }) } })).done
  t.equal(run.status, 'success')
  t.equal(run.recordsSynced, 40)
  t.equal(run.recordsFailed, 5)
  t.equal(run.recordsSynced + run.recordsFailed, await rowCount(db), 'every row counted once, as synced or failed')
  const withoutTranscript = await db.knex('elevenlabs_calls').whereNull('transcript').pluck('conversation_id') as string[]
  t.same(withoutTranscript.sort(), [...missing].sort(), 'the failed ones are those stored from their list data only')
  t.same(progress.map((p) => p.pages), [1, 2, 3, 4, 5], 'progress once per committed page, in order')
  t.same(progress.map((p) => p.processed), [10, 20, 30, 40, 45])
  t.same(progress.map((p) => p.failed), [2, 3, 4, 4, 5], 'failures counted with the page that holds them')
})

t.test('a manual run lists ahead but never asks for more than its limit', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 100 }, settings: { pageSize: PAGE, detailConcurrency: 4 } })
  emu.emulator.latency.detail = 10
  const run = await (await engine.startManualSync({ limit: 25 })).done
  t.equal(run.status, 'success')
  t.equal(run.recordsSynced, 25)
  t.same(listQueries(emu).map((q) => q.get('page_size')), ['10', '10', '5'], 'the last page asks for what is left')
  t.equal(emu.emulator.stats.count('detail'), 25)
  t.same((await storedIds(db)).sort(), newestIds(emu, 25).sort())
})
