import t from 'tap'
import { createCallRepository } from '../../src/db/calls.js'
import type { CallRecord } from '../../src/db/types.js'
import { createTestDb } from '../helpers/db.js'

t.test('deep pages jump by day counts and agree with a plain index walk', async (t) => {
  const db = await createTestDb(t)
  // deepOffset 0: every offset page takes the day-count path; 1e9: none does.
  const deep = createCallRepository(db.knex, { timeZone: 'UTC', deepOffset: 0 })
  const plain = createCallRepository(db.knex, { timeZone: 'UTC', deepOffset: 1e9 })
  const rows: CallRecord[] = []
  for (let i = 0; i < 90; i++) {
    // Uneven days, ties within a second, and a few calls without a start.
    const day = Math.floor(Math.sqrt(i * 7))
    rows.push({
      conversationId: `conv_${String(i).padStart(3, '0')}`,
      status: 'done',
      startedAt: i % 17 === 0 ? null : new Date(Date.UTC(2025, 8, 1 + day, 23, 59, i % 3)),
      durationSeconds: 1
    })
  }
  await deep.upsertMany(rows)

  const dayCounts = async (): Promise<Array<{ day: string, calls: number }>> =>
    (await db.knex('elevenlabs_call_day_counts').select('day', 'calls').where('calls', '>', 0).orderBy('day') as Array<{ day: string, calls: number | string }>)
      .map((r) => ({ day: r.day, calls: Number(r.calls) }))
  const recounted = async (): Promise<Array<{ day: string, calls: number }>> => {
    const before = await dayCounts()
    await deep.recount()
    const after = await dayCounts()
    t.same(before, after, 'incremental day counts equal a full recount')
    return after
  }
  await recounted()

  const walk = async (repo: typeof deep, size: number): Promise<string[]> => {
    const out: string[] = []
    for (let offset = 0; offset < 95; offset += size) out.push(...(await repo.list({ limit: size, offset })).map((r) => r.conversationId))
    return out
  }
  const reference = await walk(plain, 1)
  t.equal(reference.length, 90)
  for (const size of [1, 4, 7, 20, 100]) t.same(await walk(deep, size), reference, `pages of ${size}`)
  t.same(await deep.list({ limit: 5, offset: 500 }), [], 'past the end: empty')

  // A call gains a start later (an audio placeholder completed by its transcript): it moves day.
  await deep.upsert({ conversationId: 'conv_000', status: 'done', startedAt: new Date(Date.UTC(2025, 8, 3, 12)) })
  await deep.upsert({ conversationId: 'conv_new', status: 'waiting' })
  await recounted()
  t.same(await walk(deep, 7), await walk(plain, 7), 'still in step after calls move between days')
})
