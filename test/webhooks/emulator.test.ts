import type { AddressInfo } from 'node:net'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { emulatorEnv, startEmulator } from '../helpers/emulator.js'
import { WEBHOOK_PATH } from './helpers.js'

// End to end: the emulator plays ElevenLabs, calls end, and its signed deliveries reach the
// running service over HTTP, exactly as in production.

type Row = Record<string, unknown>

t.test('emulator deliveries end to end: transcript, audio, initiation failure; a stale one refused', async (t) => {
  const emu = await startEmulator(t, { count: 5 })
  const { app, db } = await buildTestApp(t, emulatorEnv(emu), { listen: true })
  const { port } = app.server.address() as AddressInfo
  emu.emulator.webhooks.url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`

  const started = emu.emulator.live.start({ channel: 'twilio', direction: 'inbound' })
  const finished = await emu.emulator.live.finish(started.conversation_id, { audioWebhook: true, webhookOptions: { audioBytes: 3 * 1024 * 1024 } })
  t.ok(finished !== undefined)
  t.same(finished?.deliveries.map((d) => [d.type, d.status]), [['post_call_transcription', 200], ['post_call_audio', 200]])

  const conversation = finished?.conversation
  const row = await db.knex('elevenlabs_calls').where({ conversation_id: started.conversation_id }).first() as Row
  t.equal(row.status, 'done')
  t.equal(Number(row.has_audio), 1)
  t.equal(row.agent_id, conversation?.agent_id)
  t.equal(Number(row.duration_seconds), conversation?.metadata.call_duration_secs)
  t.equal(row.caller_number, conversation?.metadata.phone_call?.external_number, 'inbound: the caller is the external number')
  t.equal((JSON.parse(row.transcript as string) as unknown[]).length, conversation?.transcript.length)

  const failed = await emu.emulator.live.failInitiation({ channel: 'sip_trunking', webhookOptions: { failureReason: 'no-answer' } })
  t.same(failed.deliveries.map((d) => [d.type, d.status]), [['call_initiation_failure', 200]])
  const failedRow = await db.knex('elevenlabs_calls').where({ conversation_id: failed.conversation.conversation_id }).first() as Row
  t.match(failedRow, { status: 'failed', end_reason: 'no-answer', call_type: 'sip_trunking', call_direction: 'outbound' })

  const late = emu.emulator.live.start()
  const stale = await emu.emulator.live.finish(late.conversation_id, { webhookOptions: { timestamp: Math.floor(Date.now() / 1000) - 3600 } })
  t.same(stale?.deliveries.map((d) => [d.type, d.status, d.ok]), [['post_call_transcription', 401, false]])
  t.notOk(await db.knex('elevenlabs_calls').where({ conversation_id: late.conversation_id }).first(), 'not stored')

  const forged = emu.emulator.live.start()
  const wrong = await emu.emulator.live.finish(forged.conversation_id, { webhookOptions: { secret: 'not-the-secret' } })
  t.same(wrong?.deliveries.map((d) => d.status), [401])

  const runs = await db.knex('elevenlabs_sync_log').where({ sync_type: 'webhook' }).orderBy('id').select('sync_trigger', 'status') as Row[]
  t.same(runs, [
    { sync_trigger: 'post_call_transcription', status: 'success' },
    { sync_trigger: 'post_call_audio', status: 'success' },
    { sync_trigger: 'call_initiation_failure', status: 'success' }
  ])
})
