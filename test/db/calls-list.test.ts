import t from 'tap'
import { createCallRepository } from '../../src/db/calls.js'
import type { CallRecord, StoredCall } from '../../src/db/types.js'
import { createTestDb } from '../helpers/db.js'

const ids = (rows: StoredCall[]): string[] => rows.map((r) => r.conversationId)

t.test('search', async (t) => {
  const db = await createTestDb(t)
  const calls = createCallRepository(db.knex, { timeZone: 'UTC' })
  const base: Omit<CallRecord, 'conversationId'> = { status: 'done', startedAt: new Date('2025-10-29T14:30:00Z'), durationSeconds: 60 }
  await calls.upsertMany([
    { ...base, conversationId: 'conv_01abc', callId: 'CA111', callerNumber: '+573001234567', calleeNumber: '+576076916019' },
    { ...base, conversationId: 'conv_02def', callId: 'CA222', callerNumber: '+15551234567', calleeNumber: '+576076916019' },
    { ...base, conversationId: 'conv_03ghi', callId: 'CA333', callerNumber: '+573109998877', calleeNumber: '+576076916020' },
    { ...base, conversationId: 'conv_100%_x', callId: 'CA_44' },
    { ...base, conversationId: 'conv_1000y', callId: 'CAX44' }
  ])
  const search = async (term: string): Promise<string[]> => ids(await calls.list({ limit: 50, filter: { search: term } })).sort()

  t.test('a phone number matches on its digits whatever the formatting', async (t) => {
    for (const term of ['+573001234567', '+57 300 123 4567', '573001234567', '3001234567', '(300) 123-4567', '300.123.4567']) {
      t.same(await search(term), ['conv_01abc'], term)
    }
  })
  t.test('the last digits match every number ending with them', async (t) => {
    t.same(await search('4567'), ['conv_01abc', 'conv_02def'])
    t.same(await search('6019'), ['conv_01abc', 'conv_02def'], 'callee numbers too')
    t.same(await search('8877'), ['conv_03ghi'])
    t.same(await search('0000'), [])
  })
  t.test('conversation and call ids match exactly or by prefix', async (t) => {
    t.same(await search('conv_02def'), ['conv_02def'])
    t.same(await search('conv_0'), ['conv_01abc', 'conv_02def', 'conv_03ghi'])
    t.same(await search('CA333'), ['conv_03ghi'])
    t.same(await search('CA3'), ['conv_03ghi'])
    t.same(await search('onv_01'), [], 'not an infix match')
    t.same(await search('  conv_03ghi  '), ['conv_03ghi'], 'surrounding spaces ignored')
  })
  t.test('% and _ are literals', async (t) => {
    t.same(await search('conv_100%'), ['conv_100%_x'])
    t.same(await search('%'), [])
    t.same(await search('conv_1000'), ['conv_1000y'])
    t.same(await search('CA_'), ['conv_100%_x'])
    t.same(await search('_'), [])
  })
  t.test('totals follow the search', async (t) => {
    t.same(await calls.totals({ search: '4567' }), { total: 2, durationSeconds: 120 })
    t.same(await calls.totals({ search: 'nothing-like-this' }), { total: 0, durationSeconds: 0 })
  })
  t.test('a search can use an index (no leading wildcard)', async (t) => {
    const statements: string[] = []
    const listener = (q: { sql: string }): void => { statements.push(q.sql) }
    db.knex.on('query', listener)
    await calls.list({ limit: 20, filter: { search: '4567' } })
    db.knex.off('query', listener)
    t.notMatch(statements.join('\n'), /like/i, 'ranges, not LIKE')
    const plan = db.knex.client.config.client === 'mysql2'
      ? JSON.stringify(await db.knex.raw('EXPLAIN SELECT id FROM elevenlabs_calls WHERE caller_digits_rev >= ? AND caller_digits_rev < ?', ['7654', '7655']))
      : JSON.stringify(await db.knex.raw('EXPLAIN QUERY PLAN SELECT id FROM elevenlabs_calls WHERE caller_digits_rev >= ? AND caller_digits_rev < ?', ['7654', '7655']))
    t.match(plan, /idx_calls_caller_digits/)
  })
})

t.test('date means a day in CALLS_TIMEZONE, as a half-open UTC range', async (t) => {
  const db = await createTestDb(t)
  const bogota = createCallRepository(db.knex, { timeZone: 'America/Bogota' })
  const utc = createCallRepository(db.knex, { timeZone: 'UTC' })
  await bogota.upsertMany([
    // 23:30 on 2025-10-29 in Bogotá (UTC-5) is 04:30 on the 30th in UTC.
    { conversationId: 'conv_late', status: 'done', startedAt: new Date('2025-10-30T04:30:00Z'), durationSeconds: 60 },
    // Midnight exactly belongs to the day it starts.
    { conversationId: 'conv_midnight', status: 'done', startedAt: new Date('2025-10-30T05:00:00Z'), durationSeconds: 30 },
    { conversationId: 'conv_early', status: 'done', startedAt: new Date('2025-10-29T05:00:00Z'), durationSeconds: 10 },
    { conversationId: 'conv_before', status: 'done', startedAt: new Date('2025-10-29T04:59:59Z'), durationSeconds: 10 }
  ])
  const day = async (repo: typeof utc, date: string): Promise<string[]> => ids(await repo.list({ limit: 10, filter: { date } }))
  t.same(await day(bogota, '2025-10-29'), ['conv_late', 'conv_early'])
  t.same(await day(bogota, '2025-10-30'), ['conv_midnight'])
  t.same(await day(bogota, '2025-10-28'), ['conv_before'])
  t.same(await day(utc, '2025-10-30'), ['conv_midnight', 'conv_late'])
  t.same(await bogota.totals({ date: '2025-10-29' }), { total: 2, durationSeconds: 70 })
  t.same(ids(await bogota.list({ limit: 10, filter: { date: '2025-10-29', search: 'conv_l' } })), ['conv_late'], 'date and search combine')
  const statements: string[] = []
  const listener = (q: { sql: string }): void => { statements.push(q.sql) }
  db.knex.on('query', listener)
  await bogota.list({ limit: 10, filter: { date: '2025-10-29' } })
  db.knex.off('query', listener)
  t.notMatch(statements.join('\n'), /date\(/i, 'never DATE(column)')

  // A day's totals come from the index alone (count and duration), never from the rows.
  const { start, end } = { start: '2025-10-29 05:00:00.000', end: '2025-10-30 05:00:00.000' }
  const sql = 'SELECT COUNT(*), SUM(duration_seconds) FROM elevenlabs_calls WHERE started_at >= ? AND started_at < ?'
  const plan = JSON.stringify(db.knex.client.config.client === 'mysql2'
    ? await db.knex.raw(`EXPLAIN ${sql}`, [start, end])
    : await db.knex.raw(`EXPLAIN QUERY PLAN ${sql}`, [start, end]))
  t.match(plan, db.knex.client.config.client === 'mysql2' ? /Using index/ : /COVERING INDEX idx_calls_started_cover/)
})

t.test('paging: newest first, offset and keyset agree', async (t) => {
  const db = await createTestDb(t)
  const calls = createCallRepository(db.knex, { timeZone: 'UTC' })
  const rows: CallRecord[] = []
  for (let i = 0; i < 53; i++) {
    // Pairs of calls share a start second, so the conversation_id tie-break matters.
    rows.push({ conversationId: `conv_${String(i).padStart(3, '0')}`, status: 'done', startedAt: new Date(Date.UTC(2025, 9, 1, 0, 0, Math.floor(i / 2))), durationSeconds: i })
  }
  rows.push({ conversationId: 'conv_nostart', status: 'waiting' })
  await calls.upsertMany(rows)
  const all = ids(await calls.list({ limit: 100 }))
  t.equal(all.length, 54)
  t.equal(all[0], 'conv_052')
  t.equal(all[1], 'conv_051', 'same second: higher id first')
  t.equal(all[53], 'conv_nostart', 'calls without a start come last')

  for (const size of [1, 7, 20]) {
    const byOffset: string[] = []
    for (let offset = 0; offset < all.length; offset += size) byOffset.push(...ids(await calls.list({ limit: size, offset })))
    const byKeyset: string[] = []
    let after: StoredCall | undefined
    for (;;) {
      const page = await calls.list({ limit: size, after: after === undefined ? undefined : { startedAt: after.startedAt ?? null, conversationId: after.conversationId } })
      if (page.length === 0) break
      byKeyset.push(...ids(page))
      after = page[page.length - 1]
    }
    t.same(byOffset, all, `offset pages of ${size}`)
    t.same(byKeyset, all, `keyset pages of ${size}`)
  }

  t.test('countBefore gives a call its rank', async (t) => {
    t.equal(await calls.countBefore({ startedAt: new Date(Date.UTC(2025, 9, 1, 0, 0, 26)), conversationId: 'conv_052' }), 0)
    t.equal(await calls.countBefore({ startedAt: new Date(Date.UTC(2025, 9, 1, 0, 0, 25)), conversationId: 'conv_050' }), 2)
    t.equal(await calls.countBefore({ startedAt: null, conversationId: 'conv_nostart' }), 53)
    t.equal(await calls.countBefore({ startedAt: null, conversationId: 'conv_nostart' }, {}, ['conv_052', 'conv_050', 'conv_unknown']), 51, 'calls left out are not counted')
    t.equal(await calls.countBefore({ startedAt: new Date(Date.UTC(2030, 0, 1)), conversationId: 'conv_zzz' }), 0)
  })
  t.test('list pages carry no transcript', async (t) => {
    const statements: string[] = []
    const listener = (q: { sql: string }): void => { statements.push(q.sql) }
    db.knex.on('query', listener)
    await calls.list({ limit: 20, offset: 20 })
    await calls.list({ limit: 20, filter: { search: 'conv_0' } })
    db.knex.off('query', listener)
    t.notMatch(statements.join('\n'), /transcript/)
  })
  t.test('matchingIds and completeIds', async (t) => {
    t.same([...await calls.matchingIds(['conv_000', 'conv_001', 'conv_unknown'], { search: 'conv_001' })], [['conv_001', { complete: false }]])
    await calls.upsert({ conversationId: 'conv_000', status: 'done', transcript: [{ role: 'agent', message: 'hola' }] })
    t.same([...await calls.completeIds(['conv_000', 'conv_001', 'conv_nostart'])], ['conv_000'])
    // Stored under no filter: the complete one (final, with a transcript) says so; the one
    // without a start is stored but waiting.
    t.same(new Map(await calls.matchingIds(['conv_000', 'conv_nostart', 'conv_unknown'])), new Map([['conv_000', { complete: true }], ['conv_nostart', { complete: false }]]))
  })
  t.test('unfinished and newestStartedAt', async (t) => {
    t.same(ids(await calls.unfinished(10)), ['conv_nostart'])
    t.equal((await calls.newestStartedAt())?.toISOString(), '2025-10-01T00:00:26.000Z')
  })
})
