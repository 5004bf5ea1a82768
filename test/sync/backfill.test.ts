import t from 'tap'
import { listQueries, newestIds, rowCount, storedIds, syncSetup } from './helpers.js'

// Ten pages of ten: the same walk as a real backfill's pages of 100, ten times cheaper.
const PAGE = { pageSize: 10 }

t.test('a backfill stopped after page 3 of 10 is resumed from its checkpoint: every call exactly once', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 100 }, settings: PAGE })
  const stop = new AbortController()
  const first = await engine.startBackfill({ trigger: 'test', signal: stop.signal, onProgress: (p) => { if (p.pages === 3) stop.abort() } })
  const stopped = await first.done
  t.equal(stopped.status, 'failed', 'a run that did not reach the end is not a success')
  t.equal(stopped.trigger, 'backfill')
  t.match(stopped.detail, { kind: 'backfill', origin: 'test' })
  t.equal(stopped.recordsSynced, 30)
  t.equal(await rowCount(db), 30, 'the three committed pages are stored')
  t.type(stopped.checkpointCursor, 'string', 'with the cursor of page 4 as its checkpoint')
  // The pipeline lists ahead of its commits: a page or two after page 3 may have been listed and
  // their details fetched, but nothing of them was committed.
  const firstLists = emu.emulator.stats.count('list')
  const firstDetails = emu.emulator.stats.count('detail')
  t.ok(firstLists >= 3 && firstLists <= 5, `no list request past the pages held ahead (${firstLists})`)

  const second = await engine.startBackfill()
  t.equal(second.run.status, 'in_progress')
  const resumed = await second.done
  t.equal(resumed.status, 'success')
  t.match(resumed.detail, { resumedFrom: stopped.id })
  t.equal(resumed.recordsSynced, 70, 'only the pages the first run did not do')
  const queries = listQueries(emu)
  t.equal(queries.length, firstLists + 7, 'seven list requests for the second run')
  t.equal(queries[firstLists]?.get('cursor'), stopped.checkpointCursor, 'the second run starts at the checkpoint')

  const ids = await storedIds(db)
  t.equal(ids.length, 100, 'nothing duplicated')
  t.same([...ids].sort(), newestIds(emu, 100).sort(), 'nothing lost')
  t.equal(emu.emulator.stats.count('detail') - firstDetails, 70, 'the second run fetches each call it stores in full once')
  const details = emu.emulator.stats.count('detail')

  // A finished backfill is not resumed: the next one walks from the newest call again, and
  // since everything is stored complete, without detail requests.
  const third = await (await engine.startBackfill()).done
  t.equal(third.status, 'success')
  t.equal(third.detail?.resumedFrom, undefined)
  t.equal(listQueries(emu)[firstLists + 7]?.get('cursor'), null)
  t.equal(third.recordsSynced, 100)
  const unfinished = await db.knex('elevenlabs_calls').whereIn('status', ['waiting', 'in_progress']).count({ n: '*' }).first() as { n: number | string }
  t.equal(emu.emulator.stats.count('detail'), details + Number(unfinished.n), 'details only for calls still running upstream')
  t.equal(await rowCount(db), 100)
})

t.test('a backfill that fails upstream mid-way keeps its checkpoint, and the next one goes on from there', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 50 }, settings: PAGE, env: { ELEVENLABS_RETRY_LIMIT: '1' } })
  // Pages 1 and 2 succeed, then the API is down for the third (both attempts).
  emu.emulator.faults.add({ endpoint: 'list', skip: 2, times: 2, status: 503 })
  const failed = await (await engine.startBackfill()).done
  t.equal(failed.status, 'failed')
  t.match(failed.errorMessage, /ELEVENLABS_UPSTREAM/)
  t.equal(await rowCount(db), 20)

  const resumed = await (await engine.startBackfill()).done
  t.equal(resumed.status, 'success')
  t.match(resumed.detail, { resumedFrom: failed.id })
  t.equal(resumed.recordsSynced, 30)
  t.same((await storedIds(db)).sort(), newestIds(emu, 50).sort())
})

t.test('a resumed backfill that stops before its first page passes the checkpoint on', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 50 }, settings: PAGE, env: { ELEVENLABS_RETRY_LIMIT: '0' } })
  const stop = new AbortController()
  const first = await (await engine.startBackfill({ signal: stop.signal, onProgress: (p) => { if (p.pages === 2) stop.abort() } })).done
  emu.emulator.faults.add({ endpoint: 'list', status: 503 })
  const second = await (await engine.startBackfill()).done
  t.equal(second.status, 'failed')
  t.equal(second.checkpointCursor, first.checkpointCursor, 'the checkpoint is carried over at once')
  const third = await (await engine.startBackfill()).done
  t.equal(third.status, 'success')
  t.match(third.detail, { resumedFrom: second.id })
  t.equal(third.recordsSynced, 30)
  t.equal(await rowCount(db), 50)
})

t.test('a checkpoint the API no longer accepts restarts the walk from the top', async (t) => {
  const { emu, db, engine, logs } = await syncSetup(t, { emulator: { count: 30 }, settings: PAGE })
  const stop = new AbortController()
  await (await engine.startBackfill({ signal: stop.signal, onProgress: (p) => { if (p.pages === 1) stop.abort() } })).done
  emu.emulator.faults.add({ endpoint: 'list', status: 422 })
  const run = await (await engine.startBackfill()).done
  t.equal(run.status, 'success')
  t.match(run.detail, { restartedFromTop: true })
  t.equal(await rowCount(db), 30)
  t.ok(logs.some((l) => l.level === 'warn' && /rejected the checkpoint/.test(l.msg)))
})

t.test('a second backfill while one runs is refused; a manual run may overlap it', async (t) => {
  const { emu, engine } = await syncSetup(t, { emulator: { count: 30 }, settings: PAGE })
  emu.emulator.faults.add({ endpoint: 'list', delayMs: 300 })
  const running = await engine.startBackfill()
  await t.rejects(engine.startBackfill(), { name: 'SyncInProgressError', runId: running.run.id, message: /backfill sync is already running/ })
  const manual = await (await engine.startManualSync({ limit: 5 })).done
  t.equal(manual.status, 'success')
  t.equal((await running.done).status, 'success')
})
