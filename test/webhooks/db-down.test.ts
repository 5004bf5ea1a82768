import type { Knex } from 'knex'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { audioEvent, buildClockedApp, deliver, failureEvent, SECRET, transcriptionEvent } from './helpers.js'

// When the database cannot take a delivery, ElevenLabs must see a 503 (it retries when retries
// are on) and the database must hold nothing of it: no call without its log row, or the reverse.

async function count (knex: Knex, table: string): Promise<number> {
  const row = await knex(table).count({ n: '*' }).first() as { n: number | string }
  return Number(row.n)
}

async function counters (knex: Knex): Promise<string> {
  return JSON.stringify(await knex('elevenlabs_call_counters').select('status', 'calls', 'duration_seconds').orderBy('status'))
}

t.test('the sync log table gone: 503, and the call written before it is rolled back', async (t) => {
  const logs: string[] = []
  const { app, db } = await buildClockedApp(t, Date.now(), { logs })
  t.equal((await deliver(app, transcriptionEvent('conv_before'))).statusCode, 200)
  const countersBefore = await counters(db.knex)
  await db.knex.schema.dropTable('elevenlabs_sync_log')

  for (const body of [transcriptionEvent('conv_lost'), audioEvent('conv_lost'), failureEvent('conv_before')]) {
    const res = await deliver(app, body)
    t.equal(res.statusCode, 503)
    t.same(res.json(), { error: 'database_unavailable', message: 'the delivery could not be stored right now; retry later' })
  }
  t.equal(await count(db.knex, 'elevenlabs_calls'), 1, 'no call without its log row')
  t.equal((await db.knex('elevenlabs_calls').where({ conversation_id: 'conv_before' }).first() as { status: string }).status, 'done',
    'the failure event did not half-apply to the stored call')
  t.equal(await counters(db.knex), countersBefore, 'counters untouched')

  const all = logs.join('\n')
  t.match(all, /database unavailable/, 'the failure is logged')
  for (const personal of ['+573001234567', '+15550001111', 'Quisiera una cita']) {
    t.notOk(all.includes(personal), 'the SQL with its bindings is not logged')
  }
})

t.test('the calls table gone: 503 and no log row', async (t) => {
  const { app, db } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET })
  await db.knex.schema.dropTable('elevenlabs_calls')
  const res = await deliver(app, transcriptionEvent('conv_nocalls'))
  t.equal(res.statusCode, 503)
  t.equal(res.json().error, 'database_unavailable')
  t.equal(await count(db.knex, 'elevenlabs_sync_log'), 0)
})

t.test('the connection pool destroyed: 503, not a hang or a 500', async (t) => {
  const { app, db } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET })
  await db.knex.destroy()
  const res = await deliver(app, transcriptionEvent('conv_nodb'))
  t.equal(res.statusCode, 503)
  t.equal(res.json().error, 'database_unavailable')
})
