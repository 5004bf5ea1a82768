import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { computeSignature } from '../../src/elevenlabs/signature.js'
import { buildTestApp } from '../helpers/app.js'
import { audioEvent, deliver, nowSeconds, SECRET, WEBHOOK_PATH } from './helpers.js'

// post_call_audio bodies carry the whole call as base64: tens of MB, possibly chunked. The app
// keeps a 1 MB limit; the webhook route has its own (WEBHOOK_BODY_LIMIT_MB, default 50).

const MB = 1024 * 1024

function bigAudioBody (id: string, bytes: number): Buffer {
  // Base64 of random bytes, built once as a Buffer: what an MP3 of a long call looks like.
  return Buffer.from(audioEvent(id, randomBytes(Math.ceil(bytes * 3 / 4)).toString('base64')))
}

/** POSTs over a real socket, chunked (no content-length), in 64 KB writes. */
async function postChunked (url: string, body: Buffer, signature: string): Promise<{ status: number, body: string }> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'elevenlabs-signature': signature } }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    let pos = 0
    const write = (): void => {
      while (pos < body.length) {
        const chunk = body.subarray(pos, pos + 64 * 1024)
        pos += chunk.length
        if (!req.write(chunk)) { req.once('drain', write); return }
      }
      req.end()
    }
    write()
  })
}

t.test('a 25 MB audio delivery is accepted (inject) while the app keeps its small limit', async (t) => {
  const { app, db } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET })
  const body = bigAudioBody('conv_25mb', 25 * MB)
  t.ok(body.length > 25 * MB)
  t.ok(body.length > (app.initialConfig.bodyLimit ?? 0) * 20, 'far over the app-wide limit')
  const res = await deliver(app, body)
  t.equal(res.statusCode, 200, res.body)
  const row = await db.knex('elevenlabs_calls').where({ conversation_id: 'conv_25mb' }).first() as Record<string, unknown>
  t.equal(Number(row.has_audio), 1)
  const run = await db.knex('elevenlabs_sync_log').where({ sync_trigger: 'post_call_audio' }).first() as Record<string, unknown>
  t.ok(JSON.parse(run.detail as string).full_audio_length >= 25 * MB, 'the whole audio went through')
})

t.test('a 25 MB audio delivery over a real socket with chunked encoding', async (t) => {
  const { app, db } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET }, { listen: true })
  const { port } = app.server.address() as AddressInfo
  const body = bigAudioBody('conv_chunked', 25 * MB)
  const ts = nowSeconds()
  const res = await postChunked(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, body, `t=${ts},v0=${computeSignature(SECRET, ts, body)}`)
  t.equal(res.status, 200, res.body)
  t.same(JSON.parse(res.body), { status: 'stored', type: 'post_call_audio', conversation_id: 'conv_chunked' })
  const row = await db.knex('elevenlabs_calls').where({ conversation_id: 'conv_chunked' }).first() as Record<string, unknown>
  t.equal(Number(row.has_audio), 1)

  // A tampered byte deep inside the audio is caught: the HMAC saw every chunk.
  const tampered = Buffer.from(body)
  tampered[20 * MB] = tampered[20 * MB] === 0x41 ? 0x42 : 0x41
  const bad = await postChunked(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, tampered, `t=${ts},v0=${computeSignature(SECRET, ts, body)}`)
  t.equal(bad.status, 401)
  t.equal(JSON.parse(bad.body).error, 'digest_mismatch')
})

t.test('the route limit is configurable: over it is a 413, declared or chunked, and nothing is stored', async (t) => {
  const { app, db } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET, WEBHOOK_BODY_LIMIT_MB: '1' }, { listen: true })
  const under = bigAudioBody('conv_under', MB - 1000)
  t.equal((await deliver(app, under)).statusCode, 200, 'just under 1 MB passes')

  const over = bigAudioBody('conv_over', 2 * MB)
  const declared = await deliver(app, over)
  t.equal(declared.statusCode, 413)
  t.same(Object.keys(declared.json()).sort(), ['error', 'message'])
  t.equal(declared.json().error, 'body_too_large')
  t.match(declared.json().message, /WEBHOOK_BODY_LIMIT_MB/)

  const { port } = app.server.address() as AddressInfo
  const ts = nowSeconds()
  const chunked = await postChunked(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, over, `t=${ts},v0=${computeSignature(SECRET, ts, over)}`)
  t.equal(chunked.status, 413)
  t.equal(JSON.parse(chunked.body).error, 'body_too_large')

  const ids = (await db.knex('elevenlabs_calls').select('conversation_id') as Array<{ conversation_id: string }>).map((r) => r.conversation_id)
  t.same(ids, ['conv_under'])
})

t.test('the signature is checked before the body is read: a stale header on a big body is a quick 401', async (t) => {
  const { app } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET, WEBHOOK_BODY_LIMIT_MB: '1' })
  const over = bigAudioBody('conv_stale_big', 2 * MB)
  const res = await deliver(app, over, { timestamp: nowSeconds() - 3600 })
  t.equal(res.statusCode, 401, 'the time window is judged first, not the size')
  t.equal(res.json().error, 'timestamp_too_old')
})
