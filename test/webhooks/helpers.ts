import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { loadConfig, type Config } from '../../src/config.js'
import { REDACT_PATHS } from '../../src/logger.js'
import { signatureHeader } from '../../src/elevenlabs/signature.js'
import configPlugin from '../../src/plugins/external/config.js'
import knexPlugin from '../../src/plugins/external/knex.js'
import storePlugin from '../../src/plugins/app/store.js'
import webhookRoutes, { WEBHOOK_PATH } from '../../src/routes/webhooks.js'
import { createTestDb, type TestDb } from '../helpers/db.js'

export const SECRET = 'wsec_test_0123456789abcdef'
export { WEBHOOK_PATH }

interface Teardown { teardown: (fn: () => unknown) => void }

/**
 * Just the storage and the webhook route, with a pinned clock (the time-window tests) and, when
 * `logs` is given, the production logger settings writing every line into it. Every other test
 * uses the whole app (buildTestApp).
 */
export async function buildClockedApp (t: Teardown, nowMs: number, opts: { env?: Record<string, string>, logs?: string[] } = {}): Promise<{ app: FastifyInstance, db: TestDb, config: Config }> {
  const db = await createTestDb(t)
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url, ELEVENLABS_WEBHOOK_SECRET: SECRET, ...opts.env })
  const logs = opts.logs
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { logs?.push(chunk.toString()); done() } })
  const app = Fastify({
    logger: logs === undefined ? false : { level: 'debug', stream, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    bodyLimit: 1024 * 1024
  })
  await app.register(configPlugin, { config })
  await app.register(knexPlugin, { knex: db.knex })
  await app.register(storePlugin)
  await app.register(webhookRoutes, { now: () => nowMs })
  await app.ready()
  t.teardown(async () => { await app.close() })
  return { app, db, config }
}

export function nowSeconds (): number {
  return Math.floor(Date.now() / 1000)
}

/** POSTs `body` (sent byte for byte) signed with `secret` at `timestamp`. */
export async function deliver (app: FastifyInstance, body: string | Buffer, opts: { secret?: string, timestamp?: number, headers?: Record<string, string> } = {}): Promise<LightMyRequestResponse> {
  return await app.inject({
    method: 'POST',
    url: WEBHOOK_PATH,
    payload: body,
    headers: {
      'content-type': 'application/json',
      'elevenlabs-signature': signatureHeader(opts.secret ?? SECRET, body, opts.timestamp ?? nowSeconds()),
      ...opts.headers
    }
  })
}

// Payloads as ElevenLabs sends them (see ../shared/elevenlabs-api.md, Post-call webhooks).

export const START = 1739537000

export function conversation (conversationId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const status = (overrides.status as string | undefined) ?? 'done'
  const done = status === 'done'
  return {
    agent_id: 'agent_wh',
    agent_name: 'Front desk',
    conversation_id: conversationId,
    status,
    transcript: done
      ? [
          { role: 'agent', message: 'Hola, ¿en qué puedo ayudarle?', time_in_call_secs: 0 },
          { role: 'user', message: 'Quisiera una cita para mañana.', time_in_call_secs: 4 },
          { role: 'agent', message: 'Claro, le agendo a las 10.', time_in_call_secs: 9 }
        ]
      : [{ role: 'agent', message: 'Hola, ¿en qué puedo ayudarle?', time_in_call_secs: 0 }],
    metadata: {
      start_time_unix_secs: START,
      call_duration_secs: done ? 95 : 12,
      termination_reason: done ? 'end_call tool was called' : null,
      phone_call: {
        type: 'twilio',
        direction: 'inbound',
        phone_number_id: 'pn_1',
        agent_number: '+15550001111',
        external_number: '+573001234567',
        stream_sid: 'MZ1',
        call_sid: `CA_${conversationId}`
      }
    },
    analysis: done ? { call_successful: 'success', transcript_summary: 'The caller booked an appointment.' } : null,
    has_audio: done,
    has_user_audio: done,
    has_response_audio: done,
    ...overrides
  }
}

export function transcriptionEvent (conversationId: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'post_call_transcription', event_timestamp: START + 100, data: conversation(conversationId, overrides) })
}

export function audioEvent (conversationId: string, audio = 'SUQzBAAAAAAAI1RTU0UAAAAPAAADTGF2ZjU4'): string {
  return JSON.stringify({ type: 'post_call_audio', event_timestamp: START + 101, data: { agent_id: 'agent_wh', conversation_id: conversationId, full_audio: audio } })
}

export function failureEvent (conversationId: string, reason = 'busy'): string {
  return JSON.stringify({
    type: 'call_initiation_failure',
    event_timestamp: START + 5,
    data: {
      agent_id: 'agent_wh',
      conversation_id: conversationId,
      failure_reason: reason,
      metadata: {
        type: 'twilio',
        body: { CallSid: `CA_${conversationId}`, From: '+15550001111', To: '+573001234567', Direction: 'outbound-api', CallStatus: reason }
      }
    }
  })
}
