import t from 'tap'
import { createCallRepository } from '../../src/db/calls.js'
import type { CallRecord, CallStatus } from '../../src/db/types.js'
import { callFromWebhook } from '../../src/elevenlabs/mapping.js'
import { createDeliveryWriter, type Delivery } from '../../src/webhooks/writer.js'
import { createTestDb } from '../helpers/db.js'
import { audioEvent, failureEvent, transcriptionEvent } from './helpers.js'

// Group commit: deliveries that arrive together are written in one transaction, and still each
// one hears back only about itself.

function delivery (body: string): Delivery {
  const event = JSON.parse(body) as { type: string }
  return { type: event.type, call: callFromWebhook(event) as CallRecord, detail: { n: 1 } }
}

t.test('concurrent deliveries share transactions and end as if written one by one', async (t) => {
  const db = await createTestDb(t)
  const batches: number[] = []
  const writer = createDeliveryWriter(db.knex, { timeZone: 'UTC', onBatch: (n) => batches.push(n) })
  const bodies: string[] = []
  for (let i = 0; i < 10; i++) bodies.push(audioEvent(`conv_b${i}`), transcriptionEvent(`conv_b${i}`), transcriptionEvent(`conv_b${i}`, { status: 'in-progress' }))
  bodies.push(failureEvent('conv_bf'), failureEvent('conv_bf'))
  await Promise.all(bodies.map(async (b) => { await writer.write(delivery(b)) }))
  t.ok(Math.max(...batches) > 1, `batched: ${batches.join(',')}`)
  t.equal(batches.reduce((a, b) => a + b, 0), bodies.length)

  // The same events written one at a time into a second database.
  const ref = await createTestDb(t)
  const refWriter = createDeliveryWriter(ref.knex, { timeZone: 'UTC' })
  for (const b of bodies) await refWriter.write(delivery(b))
  const rows = async (knex: typeof db.knex): Promise<unknown[]> =>
    await knex('elevenlabs_calls').select('conversation_id', 'status', 'has_audio', 'duration_seconds', 'transcript', 'end_reason', 'caller_number').orderBy('conversation_id')
  t.same(await rows(db.knex), await rows(ref.knex))
  t.equal((await db.knex('elevenlabs_calls').count({ n: '*' }).first() as { n: number | string }).n.toString(), '11')
  t.equal((await db.knex('elevenlabs_sync_log').where({ sync_type: 'webhook' }).count({ n: '*' }).first() as { n: number | string }).n.toString(), String(bodies.length))
  t.same((await createCallRepository(db.knex, { timeZone: 'UTC' }).stats()).byStatus, (await createCallRepository(ref.knex, { timeZone: 'UTC' }).stats()).byStatus, 'counters agree')
})

t.test('one delivery the database refuses does not cost the rest of its batch', async (t) => {
  const db = await createTestDb(t)
  const batches: number[] = []
  const writer = createDeliveryWriter(db.knex, { timeZone: 'UTC', onBatch: (n) => batches.push(n) })
  const good = Array.from({ length: 6 }, (_, i) => delivery(transcriptionEvent(`conv_ok${i}`)))
  const bad = delivery(transcriptionEvent('conv_bad'))
  bad.call = { ...bad.call, status: 'exploded' as CallStatus }
  const all = [...good.slice(0, 3), bad, ...good.slice(3)]
  const results = await Promise.allSettled(all.map(async (d) => { await writer.write(d) }))
  t.ok(batches.includes(all.length), `written as one batch first: ${batches.join(',')}`)
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'])
  t.match((results[3] as PromiseRejectedResult).reason, { statusCode: 503, code: 'database_unavailable' })
  const ids = (await db.knex('elevenlabs_calls').select('conversation_id').orderBy('conversation_id') as Array<{ conversation_id: string }>).map((r) => r.conversation_id)
  t.same(ids, good.map((d) => d.call.conversationId).sort())
  t.equal((await db.knex('elevenlabs_sync_log').count({ n: '*' }).first() as { n: number | string }).n.toString(), '6', 'no log row for the refused one')
})

t.test('the database gone: the whole batch gets 503 at once, nothing is written', async (t) => {
  const db = await createTestDb(t)
  const writer = createDeliveryWriter(db.knex, { timeZone: 'UTC' })
  await db.knex.schema.dropTable('elevenlabs_sync_log')
  const results = await Promise.allSettled(Array.from({ length: 8 }, async (_, i) => { await writer.write(delivery(transcriptionEvent(`conv_down${i}`))) }))
  t.same(results.map((r) => r.status), Array(8).fill('rejected'))
  t.equal((await db.knex('elevenlabs_calls').count({ n: '*' }).first() as { n: number | string }).n.toString(), '0')
})
