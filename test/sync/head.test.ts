import t from 'tap'
import { eventually, listQueries, newestIds, rowCount, syncSetup } from './helpers.js'

const HEAD_ENV = { HYBRID_API_LIMIT: '5', HEAD_CACHE_TTL_MS: '60000' }

t.test('concurrent head requests make one upstream call, and the result is cached', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 30 }, env: HEAD_ENV })
  const results = await Promise.all(Array.from({ length: 10 }, async () => await engine.head.get()))
  t.equal(emu.emulator.stats.count('list'), 1, 'one list request for ten callers')
  t.equal(listQueries(emu)[0]?.get('page_size'), '5', 'page_size = HYBRID_API_LIMIT')
  t.equal(emu.emulator.stats.count('detail'), 5, 'details for the five calls not stored yet')
  const expected = newestIds(emu, 5)
  for (const r of results) t.same(r.map((c) => c.conversationId), expected, 'newest first, the same for every caller')
  const phone = results[0]?.filter((c) => c.callType === 'twilio' || c.callType === 'sip_trunking') ?? []
  t.ok(phone.every((c) => typeof c.callerNumber === 'string' && typeof c.calleeNumber === 'string'), 'phone calls carry their numbers')

  await engine.head.get()
  t.equal(emu.emulator.stats.count('list'), 1, 'served from the cache within HEAD_CACHE_TTL_MS')
  engine.head.invalidate()
  await engine.head.get()
  t.equal(emu.emulator.stats.count('list'), 2, 'invalidate() forgets it')

  await eventually('the head is stored in the background', async () => await rowCount(db) === 5)
  const stored = await db.knex('elevenlabs_calls').whereNotNull('transcript').count({ n: '*' }).first() as { n: number | string }
  t.equal(Number(stored.n), 5, 'with the details it fetched')
})

t.test('calls stored complete are served with their stored data and not fetched again', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 30 }, env: HEAD_ENV })
  t.equal((await (await engine.startManualSync({ limit: 10 })).done).status, 'success')
  const unfinished = await db.knex('elevenlabs_calls').whereIn('conversation_id', newestIds(emu, 5)).whereIn('status', ['waiting', 'in_progress']).count({ n: '*' }).first() as { n: number | string }
  emu.emulator.stats.reset()
  const head = await engine.head.get()
  t.equal(emu.emulator.stats.count('detail'), Number(unfinished.n), 'only calls not yet final are fetched in full')
  const byId = new Map(head.map((c) => [c.conversationId, c]))
  const rows = await db.knex('elevenlabs_calls').whereIn('conversation_id', newestIds(emu, 5)).select('conversation_id', 'caller_number') as Array<{ conversation_id: string, caller_number: string | null }>
  for (const row of rows) t.equal(byId.get(row.conversation_id)?.callerNumber ?? null, row.caller_number, 'numbers from the store')
})

t.test('a failed fetch rejects, is not cached, and the next caller tries again', async (t) => {
  const { emu, engine } = await syncSetup(t, { emulator: { count: 10 }, env: { ...HEAD_ENV, ELEVENLABS_RETRY_LIMIT: '0' } })
  emu.emulator.faults.add({ endpoint: 'list', status: 503 })
  const callers = await Promise.allSettled([engine.head.get(), engine.head.get()])
  t.same(callers.map((c) => c.status), ['rejected', 'rejected'], 'both callers see the failure')
  t.equal(emu.emulator.stats.count('list'), 1, 'of one shared request')
  const head = await engine.head.get()
  t.equal(head.length, 5)
  t.equal(emu.emulator.stats.count('list'), 2)
})

t.test('a detail that fails leaves that call as the list has it; the head still answers', async (t) => {
  const { emu, engine } = await syncSetup(t, { emulator: { count: 10 }, env: { ...HEAD_ENV, ELEVENLABS_RETRY_LIMIT: '0' } })
  const ids = newestIds(emu, 5)
  const missing = ids.find((id) => emu.emulator.state.get(id)?.channel !== 'web') as string
  emu.emulator.faults.add({ endpoint: 'detail', conversationId: missing, status: 503 })
  const head = await engine.head.get()
  t.same(head.map((c) => c.conversationId), ids)
  const call = head.find((c) => c.conversationId === missing)
  t.equal(call?.callerNumber, undefined, 'no numbers without the detail')
  t.ok(head.filter((c) => c.conversationId !== missing && c.callType !== 'web').every((c) => c.callerNumber !== undefined), 'the others have theirs')
})

t.test('HYBRID_API_LIMIT=0 turns the head off without a request', async (t) => {
  const { emu, engine } = await syncSetup(t, { emulator: { count: 10 }, env: { HYBRID_API_LIMIT: '0' } })
  t.same(await engine.head.get(), [])
  t.equal(emu.emulator.stats.count(), 0)
})

t.test('HEAD_CACHE_TTL_MS=0 caches nothing but still shares one request', async (t) => {
  const { emu, engine } = await syncSetup(t, { emulator: { count: 10 }, env: { HYBRID_API_LIMIT: '3', HEAD_CACHE_TTL_MS: '0' } })
  await Promise.all([engine.head.get(), engine.head.get(), engine.head.get()])
  t.equal(emu.emulator.stats.count('list'), 1)
  await engine.head.get()
  t.equal(emu.emulator.stats.count('list'), 2)
})

t.test('a store that cannot be read or written does not fail the head: the write error is logged', async (t) => {
  const { emu, db, engine, logs } = await syncSetup(t, { emulator: { count: 10 }, env: HEAD_ENV })
  await db.knex.schema.renameTable('elevenlabs_calls', 'elevenlabs_calls_away')
  const head = await engine.head.get()
  t.same(head.map((c) => c.conversationId), newestIds(emu, 5), 'answered from the API alone')
  await eventually('the failed write is logged', async () => logs.some((l) => l.level === 'warn' && /could not store the live head/.test(l.msg)))
  t.ok(logs.some((l) => l.level === 'warn' && /could not read the store/.test(l.msg)))
  await db.knex.schema.renameTable('elevenlabs_calls_away', 'elevenlabs_calls')
})
