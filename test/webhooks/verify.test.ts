import t from 'tap'
import { computeSignature } from '../../src/elevenlabs/signature.js'
import { buildTestApp } from '../helpers/app.js'
import {
  audioEvent, buildClockedApp, deliver, nowSeconds, SECRET, transcriptionEvent, WEBHOOK_PATH
} from './helpers.js'

// Who gets in: only deliveries signed with the secret over the exact bytes, within 30 minutes.

const NOW_MS = Date.UTC(2025, 1, 14, 12, 0, 0)
const NOW_S = NOW_MS / 1000

async function storedCalls (knex: import('knex').Knex): Promise<number> {
  const row = await knex('elevenlabs_calls').count({ n: '*' }).first() as { n: number | string }
  return Number(row.n)
}

async function webhookRuns (knex: import('knex').Knex): Promise<number> {
  const row = await knex('elevenlabs_sync_log').where({ sync_type: 'webhook' }).count({ n: '*' }).first() as { n: number | string }
  return Number(row.n)
}

t.test('bad or missing signatures get 401 with a JSON error saying why, and nothing is stored', async (t) => {
  const { app, db } = await buildClockedApp(t, NOW_MS)
  const body = transcriptionEvent('conv_401')
  const good = computeSignature(SECRET, NOW_S, body)
  const cases: Array<[string, string | undefined, string, RegExp]> = [
    ['no header', undefined, 'missing_header', /missing ElevenLabs-Signature/],
    ['empty header', '  ', 'missing_header', /missing/],
    ['no t', `v0=${good}`, 'missing_timestamp', /no t=/],
    ['empty t', `t=,v0=${good}`, 'missing_timestamp', /no t=/],
    ['no v0', `t=${NOW_S}`, 'missing_digest', /no v0=/],
    ['v1 only', `t=${NOW_S},v1=${good}`, 'missing_digest', /no v0=/],
    ['non-numeric t', `t=soon,v0=${good}`, 'invalid_timestamp', /not a number/],
    ['t in ms', `t=${NOW_MS}x,v0=${good}`, 'invalid_timestamp', /not a number/],
    ['31 minutes old', `t=${NOW_S - 31 * 60},v0=${computeSignature(SECRET, NOW_S - 31 * 60, body)}`, 'timestamp_too_old', /more than 30 minutes old/],
    ['31 minutes ahead', `t=${NOW_S + 31 * 60},v0=${computeSignature(SECRET, NOW_S + 31 * 60, body)}`, 'timestamp_in_future', /30 minutes in the future/],
    ['digest too short', `t=${NOW_S},v0=${good.slice(0, 63)}`, 'digest_mismatch', /64 hex/],
    ['digest too long', `t=${NOW_S},v0=${good}00`, 'digest_mismatch', /64 hex/],
    ['digest not hex', `t=${NOW_S},v0=${'z'.repeat(64)}`, 'digest_mismatch', /64 hex/],
    ['other secret', `t=${NOW_S},v0=${computeSignature('another-secret', NOW_S, body)}`, 'digest_mismatch', /does not match/],
    ['digest of another t', `t=${NOW_S},v0=${computeSignature(SECRET, NOW_S - 1, body)}`, 'digest_mismatch', /does not match/],
    ['one bit off', `t=${NOW_S},v0=${good.slice(0, 63)}${good.endsWith('0') ? '1' : '0'}`, 'digest_mismatch', /does not match/]
  ]
  for (const [name, header, code, message] of cases) {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (header !== undefined) headers['elevenlabs-signature'] = header
    const res = await app.inject({ method: 'POST', url: WEBHOOK_PATH, payload: body, headers })
    t.equal(res.statusCode, 401, `${name}: 401`)
    t.match(res.headers['content-type'], /application\/json/, `${name}: JSON`)
    const json = res.json() as { error: string, message: string }
    t.equal(json.error, code, `${name}: ${code}`)
    t.match(json.message, message, `${name}: message`)
    t.notOk(res.body.includes(good), `${name}: the digest is not echoed`)
  }
  t.equal(await storedCalls(db.knex), 0)
  t.equal(await webhookRuns(db.knex), 0)
})

t.test('the time window, on a fixed clock: 29 minutes either way passes, 31 does not', async (t) => {
  const { app, db } = await buildClockedApp(t, NOW_MS)
  const at = async (offsetMinutes: number, id: string): Promise<number> =>
    (await deliver(app, transcriptionEvent(id), { timestamp: NOW_S + offsetMinutes * 60 })).statusCode
  t.equal(await at(-29, 'conv_old_29'), 200, '29 minutes old')
  t.equal(await at(-31, 'conv_old_31'), 401, '31 minutes old')
  t.equal(await at(29, 'conv_new_29'), 200, '29 minutes ahead')
  t.equal(await at(31, 'conv_new_31'), 401, '31 minutes ahead')
  t.equal(await at(-30, 'conv_old_30'), 200, 'exactly 30 minutes old is still inside')
  const ids = (await db.knex('elevenlabs_calls').select('conversation_id').orderBy('conversation_id') as Array<{ conversation_id: string }>).map((r) => r.conversation_id)
  t.same(ids, ['conv_new_29', 'conv_old_29', 'conv_old_30'])
})

t.test('tolerant header parsing: spaces, unknown keys, any order, several v0 values', async (t) => {
  const { app } = await buildClockedApp(t, NOW_MS)
  const variants: Array<(body: string, digest: string) => string> = [
    (_b, d) => `t=${NOW_S}, v0=${d}`,
    (_b, d) => `  t=${NOW_S} ,  v0=${d}  `,
    (_b, d) => `v0=${d},t=${NOW_S}`,
    (_b, d) => `t=${NOW_S},v1=abc,scheme=hmac,v0=${d}`,
    (b, d) => `t=${NOW_S},v0=${computeSignature('old-rotated-secret', NOW_S, b)},v0=${d}`,
    (_b, d) => `t=${NOW_S},v0=deadbeef,v0=${d.toUpperCase()}`,
    (_b, d) => `t=${NOW_S},garbage,v0=${d}`
  ]
  let n = 0
  for (const variant of variants) {
    const body = transcriptionEvent(`conv_hdr_${n++}`)
    const header = variant(body, computeSignature(SECRET, NOW_S, body))
    const res = await app.inject({ method: 'POST', url: WEBHOOK_PATH, payload: body, headers: { 'content-type': 'application/json', 'elevenlabs-signature': header } })
    t.equal(res.statusCode, 200, header.replace(/[0-9a-f]{64}/gi, '<digest>'))
  }
})

t.test('a re-serialised body with the signature of the original is rejected', async (t) => {
  const { app, db } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET })
  // As a sender might format it: spaces, a different key order, escaped non-ASCII.
  const original = '{ "event_timestamp": 1739537297, "type": "post_call_audio", "data": { "conversation_id": "conv_reser", "agent_id": "agent_wh", "full_audio": "QUJD", "note": "caf\\u00e9" } }'
  const reserialised = JSON.stringify(JSON.parse(original))
  t.not(reserialised, original)
  const header = `t=${nowSeconds()},v0=${computeSignature(SECRET, nowSeconds(), original)}`
  const bad = await app.inject({ method: 'POST', url: WEBHOOK_PATH, payload: reserialised, headers: { 'content-type': 'application/json', 'elevenlabs-signature': header } })
  t.equal(bad.statusCode, 401)
  t.equal(bad.json().error, 'digest_mismatch')
  t.equal(await storedCalls(db.knex), 0)
  const good = await app.inject({ method: 'POST', url: WEBHOOK_PATH, payload: original, headers: { 'content-type': 'application/json', 'elevenlabs-signature': header } })
  t.equal(good.statusCode, 200, 'the original bytes pass')
  t.equal(await storedCalls(db.knex), 1)
})

t.test('no secret configured: 503 saying so, for signed and unsigned deliveries alike, logged once', async (t) => {
  const logs: string[] = []
  const { app, db } = await buildClockedApp(t, NOW_MS, { env: { ELEVENLABS_WEBHOOK_SECRET: '' }, logs })
  const body = transcriptionEvent('conv_nosecret')
  for (const headers of [
    { 'elevenlabs-signature': `t=${NOW_S},v0=${computeSignature(SECRET, NOW_S, body)}` },
    {},
    { 'elevenlabs-signature': `t=${NOW_S},v0=${computeSignature('', NOW_S, body)}` }
  ]) {
    const res = await app.inject({ method: 'POST', url: WEBHOOK_PATH, payload: body, headers: { 'content-type': 'application/json', ...headers } })
    t.equal(res.statusCode, 503)
    t.equal(res.json().error, 'webhook_secret_not_configured')
    t.match(res.json().message, /ELEVENLABS_WEBHOOK_SECRET/)
  }
  t.equal(await storedCalls(db.knex), 0)
  t.equal(logs.filter((l) => l.includes('ELEVENLABS_WEBHOOK_SECRET')).length, 1, 'one log line about it, not one per request')
})

t.test('signed but unusable: 400 saying what is missing; nothing stored', async (t) => {
  const { app, db } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET })
  const cases: Array<[string, string, string, RegExp]> = [
    ['not JSON', 'type=post_call_transcription', 'invalid_json', /not valid JSON/],
    ['truncated JSON', transcriptionEvent('conv_cut').slice(0, 50), 'invalid_json', /not valid JSON/],
    ['empty body', '', 'invalid_json', /not valid JSON/],
    ['an array', '[1,2]', 'invalid_json', /not a JSON object/],
    ['no type', JSON.stringify({ data: { conversation_id: 'conv_x' } }), 'missing_type', /no "type"/],
    ['no data', JSON.stringify({ type: 'post_call_transcription', event_timestamp: 1 }), 'missing_conversation_id', /no "data" object/],
    ['no conversation id', JSON.stringify({ type: 'post_call_audio', data: { agent_id: 'a', full_audio: 'QUJD' } }), 'missing_conversation_id', /data\.conversation_id/],
    ['empty conversation id', JSON.stringify({ type: 'call_initiation_failure', data: { conversation_id: '', failure_reason: 'busy' } }), 'missing_conversation_id', /data\.conversation_id/],
    ['numeric conversation id', JSON.stringify({ type: 'post_call_transcription', data: { conversation_id: 42 } }), 'missing_conversation_id', /data\.conversation_id/]
  ]
  for (const [name, body, code, message] of cases) {
    const res = await deliver(app, body)
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.equal(res.json().error, code, `${name}: ${code}`)
    t.match(res.json().message, message, `${name}: message`)
  }
  t.equal(await storedCalls(db.knex), 0)
  t.equal(await webhookRuns(db.knex), 0)
})

t.test('an unknown event type is accepted and ignored', async (t) => {
  const logs: string[] = []
  const { app, db } = await buildClockedApp(t, NOW_MS, { logs })
  const body = JSON.stringify({ type: 'post_call_summary_v2', event_timestamp: 1, data: { conversation_id: 'conv_future' } })
  const res = await deliver(app, body, { timestamp: NOW_S })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ignored', type: 'post_call_summary_v2' })
  t.equal(await storedCalls(db.knex), 0)
  t.equal(await webhookRuns(db.knex), 0)
  const line = logs.map((l) => JSON.parse(l) as { level: number, msg: string, type?: string }).find((l) => l.type === 'post_call_summary_v2')
  t.equal(line?.level, 20, 'logged at debug')
})

t.test('any content type, or none, is read as raw bytes', async (t) => {
  const { app, db } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET })
  const types = [undefined, 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/octet-stream', 'not a media type']
  let n = 0
  for (const type of types) {
    const body = audioEvent(`conv_ct_${n++}`)
    const headers: Record<string, string> = { 'elevenlabs-signature': `t=${nowSeconds()},v0=${computeSignature(SECRET, nowSeconds(), body)}` }
    if (type !== undefined) headers['content-type'] = type
    const res = await app.inject({ method: 'POST', url: WEBHOOK_PATH, payload: body, headers })
    t.equal(res.statusCode, 200, `content type ${String(type)}`)
  }
  t.equal(await storedCalls(db.knex), types.length)
})

t.test('nothing secret or personal reaches the logs', async (t) => {
  const logs: string[] = []
  const { app } = await buildClockedApp(t, NOW_MS, { logs })
  const body = transcriptionEvent('conv_logs')
  const digest = computeSignature(SECRET, NOW_S, body)
  t.equal((await deliver(app, body, { timestamp: NOW_S })).statusCode, 200)
  t.equal((await deliver(app, audioEvent('conv_logs', 'QUJDREVG'.repeat(10)), { timestamp: NOW_S })).statusCode, 200)
  t.equal((await deliver(app, body, { timestamp: NOW_S, secret: 'wrong' })).statusCode, 401)
  t.equal((await deliver(app, body, { timestamp: NOW_S - 3600 })).statusCode, 401)
  const all = logs.join('\n')
  t.ok(logs.length >= 6, 'there are log lines to check')
  t.match(all, /webhook rejected/, 'rejections are logged')
  for (const secret of [SECRET, digest, '+573001234567', '+15550001111', 'Quisiera una cita', 'booked an appointment', 'QUJDREVG']) {
    t.notOk(all.includes(secret), `logs do not contain ${secret.slice(0, 6)}…`)
  }
})

t.test('API tokens do not apply: ElevenLabs sends no bearer token, the signature is its credential', async (t) => {
  const { app } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET, API_TOKEN: 'read-token-0123456789', ADMIN_TOKEN: 'admin-token-0123456789' })
  t.equal((await deliver(app, transcriptionEvent('conv_tokens'))).statusCode, 200)
  t.equal((await deliver(app, transcriptionEvent('conv_tokens'), { secret: 'wrong' })).statusCode, 401)
})
