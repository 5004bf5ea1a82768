import t from 'tap'
import { createCallRepository } from '../../src/db/calls.js'
import type { CallFilter, CallRecord } from '../../src/db/types.js'
import { compareNewestFirst, hybridPage, matchesFilter } from '../../src/graphql/hybrid.js'
import { createTestDb } from '../helpers/db.js'

// The merge/paging core on real rows: for every page size, walking pages 1..totalPages must
// give exactly the sorted union of the head and the stored calls, each once, from the right
// source. The expected union is computed here independently, in memory.

const DAY = 86_400_000
const T0 = Date.UTC(2025, 9, 20, 12, 0, 0)

function storedCalls (): CallRecord[] {
  const calls: CallRecord[] = []
  for (let i = 0; i < 250; i++) {
    // Several calls share a second (ties broken by id), and the calls span ten days.
    const at = T0 - Math.floor(i / 3) * 3_600_000 - (i % 2 === 0 ? 0 : 1000)
    calls.push({
      conversationId: `conv_${String(i).padStart(4, '0')}`,
      callId: `CA${i}`,
      status: i % 17 === 0 ? 'failed' : 'done',
      startedAt: new Date(at),
      durationSeconds: 30 + i,
      callerNumber: i % 5 === 0 ? '+573001234567' : `+57310${String(i).padStart(7, '0')}`,
      calleeNumber: '+576076916019'
    })
  }
  calls.push({ conversationId: 'conv_nostart_a', status: 'waiting' })
  return calls
}

/** 5 head calls: 2 stored (one is further along in the head), 3 not stored, interleaved. */
function headCalls (): CallRecord[] {
  return [
    { conversationId: 'conv_head_new', status: 'in_progress', startedAt: new Date(T0 + 60_000), durationSeconds: 12, callerNumber: '+573001234567' },
    { conversationId: 'conv_0000', status: 'done', startedAt: new Date(T0), durationSeconds: 999, summary: 'from the head' },
    // Same instant as conv_0003/conv_0004's group: the id decides its place.
    { conversationId: 'conv_0003b', status: 'done', startedAt: new Date(T0 - 3_600_000), durationSeconds: 40, callerNumber: '+15550001111' },
    { conversationId: 'conv_0010', status: 'done', startedAt: new Date(T0 - 3 * 3_600_000), durationSeconds: 40 },
    // Older than most stored calls: its rank is deep in the list.
    { conversationId: 'conv_head_old', status: 'done', startedAt: new Date(T0 - 50 * 3_600_000 - 500), durationSeconds: 7, callerNumber: '+573001234567' }
  ]
}

function expectedUnion (stored: CallRecord[], head: CallRecord[], filter: CallFilter, tz: string): Array<{ id: string, source: 'api' | 'db', duration: number }> {
  const byId = new Map<string, { call: CallRecord, source: 'api' | 'db' }>()
  for (const c of stored) if (matchesFilter(c, filter, tz)) byId.set(c.conversationId, { call: c, source: 'db' })
  for (const c of head) {
    if (byId.has(c.conversationId)) byId.set(c.conversationId, { call: { ...byId.get(c.conversationId)?.call, ...c }, source: 'api' })
    else if (matchesFilter(c, filter, tz)) byId.set(c.conversationId, { call: c, source: 'api' })
  }
  return [...byId.values()]
    .sort((a, b) => compareNewestFirst({ startedAt: a.call.startedAt ?? null, conversationId: a.call.conversationId }, { startedAt: b.call.startedAt ?? null, conversationId: b.call.conversationId }))
    .map((e) => ({ id: e.call.conversationId, source: e.source, duration: e.call.durationSeconds ?? 0 }))
}

t.test('exact paging over stored calls and a head that is partly not stored', async (t) => {
  const db = await createTestDb(t)
  const repo = createCallRepository(db.knex, { timeZone: 'UTC' })
  const stored = storedCalls()
  await repo.upsertMany(stored)
  const head = headCalls()

  t.test('the in-memory order is the database order', async (t) => {
    const all = await repo.list({ limit: 1000 })
    const sorted = [...all].sort((a, b) => compareNewestFirst({ startedAt: a.startedAt ?? null, conversationId: a.conversationId }, { startedAt: b.startedAt ?? null, conversationId: b.conversationId }))
    t.same(sorted.map((c) => c.conversationId), all.map((c) => c.conversationId))
  })

  const filters: Array<[string, CallFilter]> = [
    ['no filter', {}],
    ['search by caller digits', { search: '4567' }],
    ['search by id prefix', { search: 'conv_000' }],
    ['a day', { date: '2025-10-18' }],
    ['a day and a search', { date: '2025-10-20', search: '+57 300 123 4567' }],
    ['nothing matches', { search: 'nope' }]
  ]
  for (const [label, filter] of filters) {
    t.test(label, async (t) => {
      const expected = expectedUnion(stored, head, filter, 'UTC')
      const dbMatches = stored.filter((c) => matchesFilter(c, filter, 'UTC'))
      const dbCount = dbMatches.length
      const storedIds = new Set(stored.map((c) => c.conversationId))
      // Stored durations as stored, plus the head calls the database does not have.
      const expectedDuration = [...dbMatches, ...head.filter((c) => !storedIds.has(c.conversationId) && matchesFilter(c, filter, 'UTC'))]
        .reduce((n, c) => n + (c.durationSeconds ?? 0), 0)
      t.ok(label === 'nothing matches' ? expected.length === 0 : expected.length > 0, 'the case is not empty by accident')
      for (const pageSize of [7, 20, 100]) {
        const seen: typeof expected = []
        const totalPages = Math.ceil(expected.length / pageSize)
        for (let page = 1; page <= totalPages + 1; page++) {
          const result = await hybridPage(repo, { head, filter, page, pageSize, timeZone: 'UTC' })
          t.equal(result.total, expected.length, `${label}: total, page ${page} of ${pageSize}`)
          t.equal(result.durationSeconds, expectedDuration, 'duration of the whole filtered set')
          if (page > totalPages) t.equal(result.rows.length, 0, 'past the last page: empty')
          else t.equal(result.rows.length, Math.min(pageSize, expected.length - (page - 1) * pageSize), `page ${page} is full`)
          seen.push(...result.rows.map((r) => ({ id: r.conversationId, source: r.source, duration: r.durationSeconds ?? 0 })))
        }
        t.same(seen.map((s) => s.id), expected.map((e) => e.id), `${label}: pages of ${pageSize} walk the union once, in order`)
        t.same(seen.map((s) => s.source), expected.map((e) => e.source), `${label}: sources`)
      }
      t.ok(expected.length >= dbCount, 'the union holds every stored match')
    })
  }
})

t.test('a head call over its stored row: head data, stored gaps, and the status rule', async (t) => {
  const db = await createTestDb(t)
  const repo = createCallRepository(db.knex, { timeZone: 'UTC' })
  await repo.upsertMany([
    { conversationId: 'conv_a', status: 'in_progress', startedAt: new Date(T0), durationSeconds: 10, callerNumber: '+573001112233' },
    { conversationId: 'conv_b', status: 'done', startedAt: new Date(T0 - 1000), durationSeconds: 80, summary: 'final summary' }
  ])
  const head: CallRecord[] = [
    { conversationId: 'conv_a', status: 'done', startedAt: new Date(T0), durationSeconds: 95 },
    // A head cached just before conv_b's final webhook: it must not undo it.
    { conversationId: 'conv_b', status: 'in_progress', startedAt: new Date(T0 - 1000), durationSeconds: 20, endReason: 'still talking' }
  ]
  const { rows } = await hybridPage(repo, { head, filter: {}, page: 1, pageSize: 10, timeZone: 'UTC' })
  const [a, b] = rows
  t.match(a, { conversationId: 'conv_a', source: 'api', stored: true, status: 'done', durationSeconds: 95, callerNumber: '+573001112233' })
  t.match(b, { conversationId: 'conv_b', source: 'api', stored: true, status: 'done', durationSeconds: 80, summary: 'final summary', endReason: 'still talking' })
  // Neither stored row has a transcript: the page may still complete them from the API.
  t.same(rows.map((r) => r.complete), [false, false])
  await repo.upsert({ conversationId: 'conv_b', status: 'done', transcript: [{ role: 'agent', message: 'hola' }] })
  const again = await hybridPage(repo, { head, filter: {}, page: 1, pageSize: 10, timeZone: 'UTC' })
  t.same(again.rows.map((r) => [r.conversationId, r.complete]), [['conv_a', false], ['conv_b', true]], 'a final call with its transcript is complete')
})

t.test('a head call stored between the page\'s reads shows once, in its place', async (t) => {
  const db = await createTestDb(t)
  const repo = createCallRepository(db.knex, { timeZone: 'UTC' })
  const stored = storedCalls()
  await repo.upsertMany(stored)
  const head = headCalls()
  const late = head[0] as CallRecord
  // The page reads, in real time order: which head calls are stored (not `late` yet), then the
  // webhook for `late` commits, then the totals and the window are read.
  let storedLate!: () => void
  const lateStored = new Promise<void>((resolve) => { storedLate = resolve })
  const racing = {
    matchingIds: async (ids: readonly string[], filter?: CallFilter) => {
      const found = await repo.matchingIds(ids, filter)
      await repo.upsert(late)
      storedLate()
      return found
    },
    totals: async (filter?: CallFilter) => { await lateStored; return await repo.totals(filter) },
    list: async (options: Parameters<typeof repo.list>[0]) => { await lateStored; return await repo.list(options) },
    countBefore: repo.countBefore
  }
  const result = await hybridPage(racing, { head, filter: {}, page: 1, pageSize: 20, timeZone: 'UTC' })
  const ids = result.rows.map((r) => r.conversationId)
  t.equal(ids.length, 20, 'the page is full')
  t.equal(new Set(ids).size, ids.length, 'no call twice')
  t.equal(ids[0], late.conversationId, 'the late call is first, as the newest')
  const expected = expectedUnion([...stored, late], head, {}, 'UTC').slice(0, 20).map((e) => e.id)
  t.same(ids, expected, 'the page is the union\'s first page')
})

t.test('no head: the database alone, by offset', async (t) => {
  const db = await createTestDb(t)
  const repo = createCallRepository(db.knex, { timeZone: 'UTC' })
  await repo.upsertMany(storedCalls())
  const all = (await repo.list({ limit: 1000 })).map((c) => c.conversationId)
  const page3 = await hybridPage(repo, { head: null, filter: {}, page: 3, pageSize: 20, timeZone: 'UTC' })
  t.same(page3.rows.map((r) => r.conversationId), all.slice(40, 60))
  t.ok(page3.rows.every((r) => r.source === 'db' && r.stored))
  t.equal(page3.total, 251)
})
