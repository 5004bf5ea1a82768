import t from 'tap'
import { createCallRepository } from '../../src/db/calls.js'
import type { CallRecord } from '../../src/db/types.js'
import { createTestDb } from '../helpers/db.js'

const start = new Date('2025-10-29T14:30:00Z')

function call (id: string, extra: Partial<CallRecord> = {}): CallRecord {
  return { conversationId: id, status: 'done', startedAt: start, durationSeconds: 60, ...extra }
}

t.test('upsert merge rules', async (t) => {
  const db = await createTestDb(t)
  const calls = createCallRepository(db.knex, { timeZone: 'UTC' })

  t.test('inserts new calls and reports inserted/updated', async (t) => {
    t.same(await calls.upsertMany([call('conv_m1'), call('conv_m2')]), { inserted: 2, updated: 0 })
    t.same(await calls.upsertMany([call('conv_m1'), call('conv_m3')]), { inserted: 1, updated: 1 })
  })

  t.test('status only moves forward', async (t) => {
    await calls.upsert(call('conv_fwd', { status: 'waiting' }))
    await calls.upsert(call('conv_fwd', { status: 'in_progress' }))
    t.equal((await calls.get('conv_fwd'))?.status, 'in_progress')
    await calls.upsert(call('conv_fwd', { status: 'waiting' }))
    t.equal((await calls.get('conv_fwd'))?.status, 'in_progress', 'waiting does not move it back')
    await calls.upsert(call('conv_fwd', { status: 'done' }))
    await calls.upsert(call('conv_fwd', { status: 'in_progress' }))
    t.equal((await calls.get('conv_fwd'))?.status, 'done', 'in_progress does not move a final call back')
  })

  t.test('a final row is never overwritten by non-final data', async (t) => {
    await calls.upsert(call('conv_fin', {
      status: 'done', durationSeconds: 180, summary: 'Cita agendada', endReason: 'client ended', transcript: [{ role: 'agent', message: 'Hola' }]
    }))
    await calls.upsert(call('conv_fin', {
      status: 'in_progress', durationSeconds: 12, summary: 'partial', endReason: null, transcript: [], callerNumber: '+573001234567'
    }))
    const stored = await calls.get('conv_fin')
    t.equal(stored?.status, 'done')
    t.equal(stored?.durationSeconds, 180)
    t.equal(stored?.summary, 'Cita agendada')
    t.equal(stored?.endReason, 'client ended')
    t.same((await calls.getTranscripts(['conv_fin'])).get('conv_fin'), [{ role: 'agent', message: 'Hola' }])
    t.equal(stored?.callerNumber, '+573001234567', 'a gap may still be filled')
  })

  t.test('a field the incoming record lacks never erases a stored value', async (t) => {
    await calls.upsert(call('conv_keep', {
      status: 'done', callerNumber: '+573001234567', calleeNumber: '+576076916019', transcript: [{ role: 'user', message: 'Buenos días' }], agentName: 'Recepción'
    }))
    // A list summary: no phone numbers, no transcript.
    await calls.upsert({ conversationId: 'conv_keep', status: 'done', startedAt: start, durationSeconds: 61, summary: 'new summary' })
    const stored = await calls.get('conv_keep')
    t.equal(stored?.callerNumber, '+573001234567')
    t.equal(stored?.calleeNumber, '+576076916019')
    t.equal(stored?.agentName, 'Recepción')
    t.equal(stored?.durationSeconds, 61, 'same-stage data with a value wins')
    t.equal(stored?.summary, 'new summary')
    t.equal(stored?.hasTranscript, true)
    t.same((await calls.getTranscripts(['conv_keep'])).get('conv_keep'), [{ role: 'user', message: 'Buenos días' }])
  })

  t.test('has_audio, once known, stays', async (t) => {
    await calls.upsert({ conversationId: 'conv_audio', status: 'in_progress', hasAudio: true, recordingUrl: '/calls/conv_audio/recording' })
    await calls.upsert(call('conv_audio', { status: 'done', hasAudio: false }))
    const stored = await calls.get('conv_audio')
    t.equal(stored?.hasAudio, true)
    t.equal(stored?.recordingUrl, '/calls/conv_audio/recording')
    t.equal(stored?.status, 'done')
  })

  t.test('failed and done are both final; a transcription outranks an initiation failure, in any order', async (t) => {
    const failure: CallRecord = { conversationId: 'x', status: 'failed', endReason: 'busy', callerNumber: '+573001112233' }
    const done: CallRecord = { conversationId: 'x', status: 'done', endReason: 'client ended', durationSeconds: 30, startedAt: start }
    await calls.upsertMany([{ ...failure, conversationId: 'conv_o1' }])
    await calls.upsertMany([{ ...done, conversationId: 'conv_o1' }])
    await calls.upsertMany([{ ...done, conversationId: 'conv_o2' }])
    await calls.upsertMany([{ ...failure, conversationId: 'conv_o2' }])
    const [a, b] = [await calls.get('conv_o1'), await calls.get('conv_o2')]
    const strip = (c: typeof a): unknown => c === null ? null : { ...c, id: 0, conversationId: '', lastSyncedAt: null, createdAt: null, updatedAt: null }
    t.same(strip(a), strip(b))
    t.equal(a?.status, 'done')
    t.equal(a?.endReason, 'client ended')
    t.equal(a?.callerNumber, '+573001112233', 'the failure still fills what the transcription lacks')

    // Failure, then a stale in-progress snapshot, then the final transcription: the snapshot
    // must not survive just because it arrived while the row was failed.
    const snapshot: CallRecord = { conversationId: 'x', status: 'in_progress', durationSeconds: 12, transcript: [{ role: 'agent', message: 'Hola' }] }
    const final: CallRecord = { ...done, durationSeconds: 95, transcript: [{ role: 'agent', message: 'Hola' }, { role: 'user', message: 'Buenas' }, { role: 'agent', message: 'Listo' }] }
    const orders: CallRecord[][] = [[failure, snapshot, final], [snapshot, failure, final], [final, failure, snapshot], [failure, final, snapshot], [snapshot, final, failure], [final, snapshot, failure]]
    const results: unknown[] = []
    for (const [i, order] of orders.entries()) {
      const id = `conv_4ev_${i}`
      for (const event of order) await calls.upsert({ ...event, conversationId: id })
      const stored = await calls.get(id)
      t.equal(stored?.durationSeconds, 95, `order ${i}: final duration`)
      t.equal((await calls.getTranscripts([id])).get(id)?.length, 3, `order ${i}: final transcript`)
      results.push(strip(stored))
    }
    for (const r of results.slice(1)) t.same(r, results[0], 'every order ends in the same row')
  })

  t.test('free text is clamped to its column; an over-long id is refused, never clamped', async (t) => {
    await calls.upsert(call('conv_long', { endReason: 'x'.repeat(300), agentName: 'a'.repeat(400), callType: 'c'.repeat(80), callerNumber: '+57 '.repeat(30) }))
    const stored = await calls.get('conv_long')
    t.equal(stored?.endReason?.length, 100)
    t.equal(stored?.agentName?.length, 255)
    t.equal(stored?.callType?.length, 50)
    t.equal(stored?.callerNumber?.length, 50)
    await t.rejects(calls.upsert(call('c'.repeat(101))), { code: 'INVALID_CALL', message: /conversation_id must be 1 to 100 characters/ })
  })

  t.test('one INSERT statement per batch', async (t) => {
    const statements: string[] = []
    const listener = (q: { sql: string }): void => { statements.push(q.sql) }
    db.knex.on('query', listener)
    const batch = Array.from({ length: 150 }, (_, i) => call(`conv_batch_${String(i).padStart(3, '0')}`))
    await calls.upsertMany(batch)
    db.knex.off('query', listener)
    t.equal(statements.filter((s) => /^insert into [`"]?elevenlabs_calls[`"]? /i.test(s.trim())).length, 1)
  })

  t.test('counters stay exact through inserts and status moves', async (t) => {
    const rows = await db.knex('elevenlabs_calls').select('status').count({ n: '*' }).sum({ d: 'duration_seconds' }).groupBy('status') as Array<{ status: string, n: number | string, d: number | string | null }>
    const stats = await calls.stats()
    for (const s of stats.byStatus) {
      t.equal(s.count, Number(rows.find((r) => r.status === s.status)?.n ?? 0), `count of ${s.status}`)
    }
    t.equal(stats.durationSeconds, rows.reduce((n, r) => n + Number(r.d ?? 0), 0))
    t.same(await calls.totals(), { total: stats.total, durationSeconds: stats.durationSeconds })
    await calls.recount()
    t.same(await calls.stats(), stats, 'a recount finds nothing to repair')
  })

  t.test('a batch of new, stored and repeated calls keeps counters and day counts exact; only merged calls are read back', async (t) => {
    await calls.upsertMany([call('conv_mix_old', { status: 'in_progress', durationSeconds: 10, startedAt: new Date('2025-10-27T23:59:59Z') })])
    const statements: string[] = []
    const listener = (q: { sql: string }): void => { statements.push(q.sql) }
    db.knex.on('query', listener)
    await calls.upsertMany([
      call('conv_mix_new_a', { durationSeconds: 30.6 }),
      // Stored in progress: it moves to done, to another day, with a new duration.
      call('conv_mix_old', { status: 'done', durationSeconds: 95, startedAt: new Date('2025-10-28T00:00:01Z') }),
      // New and twice in the batch: the second merges into the first.
      call('conv_mix_twice', { status: 'in_progress', durationSeconds: 5, startedAt: new Date('2025-10-26T10:00:00Z') }),
      call('conv_mix_twice', { status: 'failed', durationSeconds: 7 })
    ])
    db.knex.off('query', listener)
    const reads = statements.filter((q) => /^select [`"]?conversation_id[`"]?, [`"]?status[`"]?/i.test(q.trim()))
    t.equal(reads.length, 2, 'one read before, one read back')
    t.equal((reads[1]?.match(/\?/g) ?? []).length, 2, 'read back: the stored call and the repeated one only')

    const stats = await calls.stats()
    const days = async (): Promise<unknown> => await db.knex('elevenlabs_call_day_counts').select('day', 'calls').where('calls', '>', 0).orderBy('day')
    const dayCounts = await days()
    const stored = await calls.get('conv_mix_new_a')
    t.equal(stored?.durationSeconds, 31, 'whole seconds, on every database')
    await calls.recount()
    t.same(await calls.stats(), stats, 'the counters equal a recount')
    t.same(await days(), dayCounts, 'the day counts equal a recount')

    statements.length = 0
    db.knex.on('query', listener)
    await calls.upsertMany([call('conv_mix_new_b'), call('conv_mix_new_c')])
    db.knex.off('query', listener)
    t.equal(statements.filter((q) => /^select [`"]?conversation_id[`"]?, [`"]?status[`"]?/i.test(q.trim())).length, 1, 'new calls only: nothing read back')
    const incremental = await calls.stats()
    const incrementalDays = await days()
    t.equal(incremental.total, stats.total + 2, 'they are counted')
    await calls.recount()
    t.same(await calls.stats(), incremental, 'exactly')
    t.same(await days(), incrementalDays, 'and on their day')
  })

  t.test('concurrent upserts of the same new calls count each call once', async (t) => {
    const before = await calls.stats()
    const batch = Array.from({ length: 20 }, (_, i) => call(`conv_par_${i}`, { status: 'in_progress', durationSeconds: 5 }))
    await Promise.all(Array.from({ length: 5 }, async () => await calls.upsertMany(batch)))
    const after = await calls.stats()
    t.equal(after.total - before.total, 20)
    const inProgress = (s: typeof after): number => s.byStatus.find((x) => x.status === 'in_progress')?.count ?? 0
    t.equal(inProgress(after) - inProgress(before), 20)
    t.equal(after.durationSeconds - before.durationSeconds, 100)
  })
})

t.test('times are stored as UTC text whatever the process time zone', async (t) => {
  const db = await createTestDb(t)
  const calls = createCallRepository(db.knex, { timeZone: 'America/Bogota' })
  await calls.upsert(call('conv_utc', { startedAt: new Date('2025-10-30T04:30:00.000Z') }))
  const raw = await db.knex('elevenlabs_calls').select('started_at').where({ conversation_id: 'conv_utc' }).first() as { started_at: string }
  t.match(String(raw.started_at), /^2025-10-30 04:30:00(\.000)?$/)
  t.equal((await calls.get('conv_utc'))?.startedAt?.toISOString(), '2025-10-30T04:30:00.000Z')
})
