import type { Knex } from 'knex'
import t from 'tap'
import { createCallRepository } from '../../src/db/calls.js'
import { createSyncLogRepository } from '../../src/db/sync-log.js'
import { buildTestApp } from '../helpers/app.js'
import { audioEvent, conversation, deliver, failureEvent, SECRET, START, transcriptionEvent } from './helpers.js'

// What a delivery leaves in the database: the call (merged), one webhook row in the sync log,
// never the audio; and the same final row whatever the repeats and the order.

type Row = Record<string, unknown>

// The app is encapsulated (its decorators stay inside), so the tests read through the store's
// own repositories on the same database.
function repos (knex: Knex): { calls: ReturnType<typeof createCallRepository>, syncLog: ReturnType<typeof createSyncLogRepository> } {
  return { calls: createCallRepository(knex, { timeZone: 'UTC' }), syncLog: createSyncLogRepository(knex) }
}

async function callRow (knex: Knex, id: string): Promise<Row | undefined> {
  return await knex('elevenlabs_calls').where({ conversation_id: id }).first() as Row | undefined
}

async function countersMatchTable (knex: Knex): Promise<boolean> {
  const counters = await knex('elevenlabs_call_counters').select('status', 'calls') as Row[]
  const actual = await knex('elevenlabs_calls').select('status').count({ n: '*' }).groupBy('status') as Row[]
  return counters.every((c) => Number(c.calls) === Number(actual.find((a) => a.status === c.status)?.n ?? 0))
}

// One app and database for the file (every test uses its own conversation ids): MariaDB
// database creation is what would otherwise take the time.
const { app, db } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET })

async function webhookRunsFor (ids: string[]): Promise<Array<Awaited<ReturnType<ReturnType<typeof createSyncLogRepository>['list']>>[number]>> {
  const runs = await repos(db.knex).syncLog.list({ type: 'webhook', limit: 100 })
  return runs.filter((r) => ids.includes(r.detail?.conversation_id as string)).reverse()
}

/** A stored row made comparable across conversation ids: no ids, no write times. */
function comparable (row: Row | undefined, id: string): string {
  if (row === undefined) return 'missing'
  const { id: _id, conversation_id: _cid, created_at: _c, updated_at: _u, last_synced_at: _l, ...rest } = row
  return JSON.stringify(rest).split(id).join('<id>')
}

t.test('post_call_transcription stores the full call and logs one webhook run', async (t) => {
  const before = new Date(Date.now() - 1000)
  const res = await deliver(app, transcriptionEvent('conv_tr'))
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'stored', type: 'post_call_transcription', conversation_id: 'conv_tr' })

  const call = await repos(db.knex).calls.get('conv_tr')
  t.match(call, {
    conversationId: 'conv_tr',
    status: 'done',
    agentId: 'agent_wh',
    agentName: 'Front desk',
    callId: 'CA_conv_tr',
    callerNumber: '+573001234567',
    calleeNumber: '+15550001111',
    callDirection: 'inbound',
    durationSeconds: 95,
    summary: 'The caller booked an appointment.',
    hasAudio: true,
    hasTranscript: true,
    recordingUrl: '/calls/conv_tr/recording'
  })
  t.equal(call?.startedAt?.getTime(), START * 1000)
  t.equal((await repos(db.knex).calls.getTranscripts(['conv_tr'])).get('conv_tr')?.length, 3)

  const runs = await webhookRunsFor(['conv_tr'])
  t.equal(runs.length, 1)
  t.match(runs[0], { syncType: 'webhook', trigger: 'post_call_transcription', status: 'success', recordsSynced: 1, recordsFailed: 0 })
  t.equal(runs[0]?.detail?.conversation_id, 'conv_tr')
  const last = await createSyncLogRepository(db.knex).lastCompletedAt({ type: 'webhook' })
  t.ok(last !== null && last >= before, 'lastWebhookAt moves')
})

t.test('post_call_audio records the recording, never the audio', async (t) => {
  const audio = Buffer.from('ID3 fake mp3 frames '.repeat(500)).toString('base64')
  const res = await deliver(app, audioEvent('conv_au', audio))
  t.equal(res.statusCode, 200)
  t.match(await repos(db.knex).calls.get('conv_au'), { status: 'in_progress', hasAudio: true, agentId: 'agent_wh', recordingUrl: '/calls/conv_au/recording' })
  const runs = await webhookRunsFor(['conv_au'])
  t.match(runs, [{ trigger: 'post_call_audio', status: 'success', recordsSynced: 1 }])
  t.equal(runs[0]?.detail?.full_audio_length, audio.length, 'the size is noted')
  const everything = JSON.stringify([await db.knex('elevenlabs_calls').select(), await db.knex('elevenlabs_sync_log').select()])
  t.notOk(everything.includes(audio.slice(0, 40)), 'no audio anywhere in the database')
})

t.test('call_initiation_failure creates a failed call from what the provider body tells', async (t) => {
  t.equal((await deliver(app, failureEvent('conv_fail_tw', 'no-answer'))).statusCode, 200)
  t.match(await repos(db.knex).calls.get('conv_fail_tw'), {
    status: 'failed',
    endReason: 'no-answer',
    callId: 'CA_conv_fail_tw',
    callerNumber: '+15550001111',
    calleeNumber: '+573001234567',
    callDirection: 'outbound',
    callType: 'twilio'
  })

  const sip = JSON.stringify({
    type: 'call_initiation_failure',
    event_timestamp: START,
    data: {
      agent_id: 'agent_wh',
      conversation_id: 'conv_fail_sip',
      failure_reason: 'busy',
      metadata: { type: 'sip', body: { sip_status_code: 486, from_number: 15550001111, to_number: 573001234567, call_id: 'sip-call-1' } }
    }
  })
  t.equal((await deliver(app, sip)).statusCode, 200)
  const stored = await repos(db.knex).calls.get('conv_fail_sip')
  t.match(stored, { status: 'failed', endReason: 'busy', callId: 'sip-call-1', callerNumber: '15550001111', calleeNumber: '573001234567', callType: 'sip_trunking' })
  t.match(stored?.metadata, { type: 'sip', sip_status_code: 486 })
  t.match(await webhookRunsFor(['conv_fail_tw', 'conv_fail_sip']), [{ trigger: 'call_initiation_failure' }, { trigger: 'call_initiation_failure' }])
})

t.test('the same delivery five times, one after another and all at once: one row, all 200', async (t) => {
  const seq = transcriptionEvent('conv_dup_seq')
  const seqCodes: number[] = []
  for (let i = 0; i < 5; i++) seqCodes.push((await deliver(app, seq)).statusCode)
  t.same(seqCodes, [200, 200, 200, 200, 200])

  for (const [id, body] of [['conv_dup_par', transcriptionEvent('conv_dup_par')], ['conv_dup_audio', audioEvent('conv_dup_audio')], ['conv_dup_fail', failureEvent('conv_dup_fail')]] as const) {
    const codes = (await Promise.all(Array.from({ length: 5 }, async () => await deliver(app, body)))).map((r) => r.statusCode)
    t.same(codes, [200, 200, 200, 200, 200], `${id}: all 200`)
  }
  const dupIds = ['conv_dup_audio', 'conv_dup_fail', 'conv_dup_par', 'conv_dup_seq']
  const rows = await db.knex('elevenlabs_calls').whereIn('conversation_id', dupIds).select('conversation_id').count({ n: '*' }).groupBy('conversation_id') as Row[]
  t.same(rows.map((r) => [r.conversation_id, Number(r.n)]).sort(), [['conv_dup_audio', 1], ['conv_dup_fail', 1], ['conv_dup_par', 1], ['conv_dup_seq', 1]])
  t.equal(comparable(await callRow(db.knex, 'conv_dup_par'), 'conv_dup_par'), comparable(await callRow(db.knex, 'conv_dup_seq'), 'conv_dup_seq'),
    'parallel repeats end like sequential ones')
  t.ok(await countersMatchTable(db.knex), 'the counters counted each call once')
  t.equal((await webhookRunsFor(dupIds)).length, 20, 'each accepted delivery is logged')
})

function permutations<T> (items: T[]): T[][] {
  if (items.length <= 1) return [items]
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]))
}

const EVENTS: Record<string, (id: string) => string> = {
  audio: (id) => audioEvent(id),
  transcript: (id) => transcriptionEvent(id),
  snapshot: (id) => transcriptionEvent(id, { status: 'in-progress' }),
  failure: (id) => failureEvent(id)
}

async function finalRows (app: Parameters<typeof deliver>[0], knex: Knex, prefix: string, names: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const order of permutations(names)) {
    const id = `${prefix}_${order.join('_')}`
    for (const name of order) {
      const res = await deliver(app, (EVENTS[name] as (id: string) => string)(id))
      if (res.statusCode !== 200) throw new Error(`${name} for ${id}: ${res.statusCode} ${res.body}`)
    }
    out.set(order.join(' → '), comparable(await callRow(knex, id), id))
  }
  return out
}

t.test('order does not matter: every order of audio, transcript and an older snapshot ends in the same row', async (t) => {
  const rows = await finalRows(app, db.knex, 'ord', ['audio', 'transcript', 'snapshot'])
  t.equal(rows.size, 6)
  const distinct = new Set(rows.values())
  t.equal(distinct.size, 1, [...rows.entries()].map(([k, v]) => `${k}: ${v}`).join('\n'))
  const final = JSON.parse([...distinct][0] as string) as Row
  t.match(final, { status: 'done', has_audio: 1, duration_seconds: 95, end_reason: 'end_call tool was called', recording_url: '/calls/<id>/recording' })
  t.equal((JSON.parse(final.transcript as string) as unknown[]).length, 3, 'the full transcript, not the snapshot’s')
  t.ok(await countersMatchTable(db.knex))
})

t.test('a failure event before or after the others: the same final row in every order', async (t) => {
  const pairs = await finalRows(app, db.knex, 'fp', ['failure', 'transcript'])
  t.equal(new Set(pairs.values()).size, 1, [...pairs.entries()].map(([k, v]) => `${k}: ${v}`).join('\n'))
  // All four together, the stale in-progress snapshot included: 24 orders, one row. The full
  // transcription outranks the failure (it proves the call happened); the failure only fills
  // what the transcription lacks.
  const all = await finalRows(app, db.knex, 'fa', ['audio', 'transcript', 'failure', 'snapshot'])
  t.equal(all.size, 24)
  const distinct = new Set(all.values())
  t.equal(distinct.size, 1, [...all.entries()].map(([k, v]) => `${k}: ${v}`).join('\n'))
  const final = JSON.parse([...distinct][0] as string) as Row
  t.match(final, { status: 'done', end_reason: 'end_call tool was called', has_audio: 1, duration_seconds: 95, call_direction: 'inbound' })
  t.equal((JSON.parse(final.transcript as string) as unknown[]).length, 3, 'the full transcript, not the snapshot’s')
  t.ok(await countersMatchTable(db.knex))
})

t.test('an older in-progress snapshot after the final one changes nothing', async (t) => {
  t.equal((await deliver(app, transcriptionEvent('conv_stale'))).statusCode, 200)
  const final = comparable(await callRow(db.knex, 'conv_stale'), 'conv_stale')
  const stale = conversation('conv_stale', { status: 'in-progress', agent_name: 'Renamed later?' })
  t.equal((await deliver(app, JSON.stringify({ type: 'post_call_transcription', event_timestamp: START + 50, data: stale }))).statusCode, 200)
  t.equal(comparable(await callRow(db.knex, 'conv_stale'), 'conv_stale'), final)
})
