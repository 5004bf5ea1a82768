import t from 'tap'
import { SyncInProgressError } from '../../src/sync/types.js'
import { listQueries, newestIds, personalDataIn, rowCount, storedIds, syncSetup } from './helpers.js'

t.test('limit 500 walks five pages of 100 and stores the newest 500 with their details', async (t) => {
  const { emu, db, engine, logs } = await syncSetup(t, { emulator: { count: 620 } })
  const progress: number[] = []
  const started = await engine.startManualSync({ limit: 500, trigger: 'test', onProgress: (p) => { progress.push(p.processed) } })
  t.equal(started.run.status, 'in_progress', 'logged as running when it starts')
  t.equal(started.run.syncType, 'manual')
  const run = await started.done
  t.equal(run.status, 'success')
  t.equal(run.recordsSynced, 500)
  t.equal(run.recordsFailed, 0)
  t.equal(run.trigger, 'test')
  t.ok(run.completedAt instanceof Date, 'completion time recorded')
  t.same(progress, [100, 200, 300, 400, 500], 'progress after each committed page')

  const queries = listQueries(emu)
  t.equal(queries.length, 5, 'five list requests')
  t.ok(queries.every((q) => Number(q.get('page_size')) <= 100), 'never more than 100 a page')
  t.equal(queries[0]?.get('cursor'), null, 'the first page has no cursor')
  t.ok(queries.slice(1).every((q) => (q.get('cursor') ?? '') !== ''), 'later pages follow the cursor')
  t.equal(emu.emulator.stats.count('detail'), 500, 'one detail request per call')

  t.same((await storedIds(db)).sort(), newestIds(emu, 500).sort(), 'exactly the newest 500')
  const withTranscript = await db.knex('elevenlabs_calls').whereNotNull('transcript').count({ n: '*' }).first() as { n: number | string }
  t.equal(Number(withTranscript.n), 500, 'every call stored with its transcript')
  const withNumbers = await db.knex('elevenlabs_calls').whereNotNull('caller_number').count({ n: '*' }).first() as { n: number | string }
  t.ok(Number(withNumbers.n) > 400, 'phone numbers come from the details')

  // Everything is stored final with a transcript now, except calls still running upstream.
  const again = await (await engine.startManualSync({ limit: 500 })).done
  t.equal(again.status, 'success')
  const unfinished = await db.knex('elevenlabs_calls').whereIn('status', ['waiting', 'in_progress']).count({ n: '*' }).first() as { n: number | string }
  t.equal(emu.emulator.stats.count('detail'), 500 + Number(unfinished.n), 'a second run fetches details only for calls not stored complete')
  t.equal(await rowCount(db), 500, 'and adds no rows')
  t.same(personalDataIn(logs), [], 'no phone numbers or transcripts in the logs')
})

t.test('the same id on two pages gives one row, counted once', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 300 } })
  let lastOfFirstPage: unknown
  emu.emulator.faults.add({
    endpoint: 'list',
    transform: (body) => {
      const page = body as { conversations: unknown[] }
      lastOfFirstPage = page.conversations[page.conversations.length - 1]
      return body
    }
  })
  // The second page starts with the first page's last call again (a call shifted the list).
  emu.emulator.faults.add({
    endpoint: 'list',
    transform: (body) => {
      const page = body as { conversations: unknown[] }
      return { ...page, conversations: [lastOfFirstPage, ...page.conversations] }
    }
  })
  const run = await (await engine.startManualSync({ limit: 150 })).done
  t.equal(run.status, 'success')
  t.equal(run.recordsSynced, 150)
  t.equal(await rowCount(db), 150, 'one row per conversation')
  t.same((await storedIds(db)).sort(), newestIds(emu, 150).sort())
  t.equal(emu.emulator.stats.count('detail'), 150, 'the repeated call is fetched once')
})

t.test('has_more with a null cursor stops the walk instead of looping or failing', async (t) => {
  const { emu, db, engine, logs } = await syncSetup(t, { emulator: { count: 300 } })
  emu.emulator.faults.add({ endpoint: 'list', nullCursor: true })
  const run = await (await engine.startManualSync({ limit: 300 })).done
  t.equal(run.status, 'success')
  t.equal(run.recordsSynced, 100, 'the page it had')
  t.equal(emu.emulator.stats.count('list'), 1, 'no further list request')
  t.equal(await rowCount(db), 100)
  t.match(run.detail, { stoppedEarly: /next_cursor/ }, 'the run says why it stopped')
  t.ok(logs.some((l) => l.level === 'warn' && /no next_cursor/.test(l.msg)))
})

t.test('a detail 404 makes the run partial, not a crash: the list data is still stored', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 60 } })
  const missing = newestIds(emu, 10)[3] as string
  emu.emulator.faults.add({ endpoint: 'detail', conversationId: missing, status: 404 })
  const run = await (await engine.startManualSync({ limit: 40 })).done
  t.equal(run.status, 'success')
  t.equal(run.recordsSynced, 39)
  t.equal(run.recordsFailed, 1)
  t.match(run.errorMessage, /1 of 40 .*ELEVENLABS_NOT_FOUND/)
  t.equal(await rowCount(db), 40)
  const row = await db.knex('elevenlabs_calls').where({ conversation_id: missing }).first() as Record<string, unknown>
  t.ok(row !== undefined, 'the call is stored from its list summary')
  t.equal(row.transcript, null, 'without the transcript it could not fetch')
  t.equal(emu.emulator.stats.snapshot().recent.filter((r) => r.endpoint === 'detail' && r.url.includes(missing)).length, 1, '404 is not retried')

  // The next run picks it up, since it is not stored complete.
  const next = await (await engine.startManualSync({ limit: 40 })).done
  t.equal(next.recordsFailed, 0)
  const fixed = await db.knex('elevenlabs_calls').where({ conversation_id: missing }).first() as Record<string, unknown>
  t.not(fixed.transcript, null)
})

t.test('429 with Retry-After: 1 waits and then succeeds', async (t) => {
  const { emu, engine } = await syncSetup(t, { emulator: { count: 20 } })
  emu.emulator.faults.add({ endpoint: 'list', status: 429, retryAfter: 1 })
  const run = await (await engine.startManualSync({ limit: 20 })).done
  t.equal(run.status, 'success')
  t.equal(run.recordsSynced, 20)
  const lists = emu.emulator.stats.snapshot().recent.filter((r) => r.endpoint === 'list')
  t.same(lists.map((r) => r.status), [429, 200])
  const gap = (lists[1]?.at ?? 0) - (lists[0]?.at ?? 0)
  t.ok(gap >= 900, 'the retry came after the Retry-After second, not the 20 ms backoff')
})

t.test('five 503s in a row end as a recorded failure, and the lock is free again', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 20 }, env: { ELEVENLABS_RETRY_LIMIT: '4' } })
  emu.emulator.faults.add({ endpoint: 'list', status: 503, times: 5 })
  const run = await (await engine.startManualSync({ limit: 20 })).done
  t.equal(run.status, 'failed')
  t.match(run.errorMessage, /ELEVENLABS_UPSTREAM.*503/)
  t.equal(emu.emulator.stats.count('list'), 5, 'the first attempt and four retries')
  t.equal(await rowCount(db), 0)
  const logged = await db.knex('elevenlabs_sync_log').where({ id: run.id }).first() as Record<string, unknown>
  t.equal(logged.status, 'failed', 'in the sync log')
  t.not(logged.sync_completed_at, null)

  const after = await (await engine.startManualSync({ limit: 20 })).done
  t.equal(after.status, 'success', 'the next run is not blocked by the failed one')
})

t.test('401 and 422 are not retried', async (t) => {
  await t.test('401: a wrong key', async (t) => {
    const { emu, engine } = await syncSetup(t, { emulator: { count: 20 }, env: { ELEVENLABS_API_KEY: 'wrong-key-0123456789' } })
    const run = await (await engine.startManualSync({ limit: 20 })).done
    t.equal(run.status, 'failed')
    t.match(run.errorMessage, /ELEVENLABS_UNAUTHORIZED/)
    t.notMatch(run.errorMessage, /wrong-key/, 'the key is not in the message')
    t.equal(emu.emulator.stats.count('list'), 1)
  })
  await t.test('422: parameters the API rejects', async (t) => {
    const { emu, engine } = await syncSetup(t, { emulator: { count: 20 } })
    emu.emulator.faults.add({ endpoint: 'list', status: 422, times: 3 })
    const run = await (await engine.startManualSync({ limit: 20 })).done
    t.equal(run.status, 'failed')
    t.match(run.errorMessage, /ELEVENLABS_BAD_REQUEST/)
    t.equal(emu.emulator.stats.count('list'), 1)
  })
  await t.test('401 on details stops the run at once instead of failing every call', async (t) => {
    const { emu, engine } = await syncSetup(t, { emulator: { count: 50 } })
    emu.emulator.faults.add({ endpoint: 'detail', status: 401, times: 100 })
    const run = await (await engine.startManualSync({ limit: 50 })).done
    t.equal(run.status, 'failed')
    t.match(run.errorMessage, /ELEVENLABS_UNAUTHORIZED/)
    t.ok(emu.emulator.stats.count('detail') <= 4, 'at most the requests already in flight')
  })
})

t.test('ELEVENLABS_AGENT_ID filters the list', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 80 }, env: { ELEVENLABS_AGENT_ID: 'agent_7701k8m5p4r3s2t1v0w9x8y7z6ab' } })
  const run = await (await engine.startManualSync({ limit: 100 })).done
  t.equal(run.status, 'success')
  t.ok(listQueries(emu).every((q) => q.get('agent_id') === 'agent_7701k8m5p4r3s2t1v0w9x8y7z6ab'))
  const agents = await db.knex('elevenlabs_calls').distinct('agent_id') as Array<{ agent_id: string }>
  t.same(agents.map((a) => a.agent_id), ['agent_7701k8m5p4r3s2t1v0w9x8y7z6ab'])
  t.ok(run.recordsSynced > 0 && run.recordsSynced < 80, 'only that agent\'s calls')
})

t.test('a manual sync while one runs is refused, naming the running run, in this process or another', async (t) => {
  const first = await syncSetup(t, { emulator: { count: 30 } })
  // The other "process": its own engine and lock owner on the same database and API.
  const other = await syncSetup(t, { db: first.db, emu: first.emu, lockOwner: 'other-process' })
  first.emu.emulator.faults.add({ endpoint: 'list', delayMs: 400 })
  const running = await first.engine.startManualSync({ limit: 30 })

  const refusedHere = await first.engine.startManualSync({ limit: 5 }).then(() => null, (err: unknown) => err)
  t.ok(refusedHere instanceof SyncInProgressError)
  t.equal((refusedHere as SyncInProgressError).runId, running.run.id)
  t.match((refusedHere as Error).message, new RegExp(`run ${running.run.id}`))

  const refusedThere = await other.engine.startManualSync({ limit: 5 }).then(() => null, (err: unknown) => err)
  t.ok(refusedThere instanceof SyncInProgressError, 'across processes too')
  t.equal((refusedThere as SyncInProgressError).runId, running.run.id)

  const runs = await first.db.knex('elevenlabs_sync_log').count({ n: '*' }).first() as { n: number | string }
  t.equal(Number(runs.n), 1, 'a refused run leaves no row')

  t.equal((await running.done).status, 'success')
  const later = await (await other.engine.startManualSync({ limit: 5 })).done
  t.equal(later.status, 'success', 'once it is over, another may run')
})

t.test('a bad limit is refused before anything starts', async (t) => {
  const { engine, db } = await syncSetup(t, { emulator: { count: 5 } })
  for (const limit of [0, -5, 1.5, Number.NaN, 2_000_000]) {
    await t.rejects(engine.startManualSync({ limit }), RangeError, `limit ${limit}`)
  }
  const runs = await db.knex('elevenlabs_sync_log').count({ n: '*' }).first() as { n: number | string }
  t.equal(Number(runs.n), 0)
})
