import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js'
import t from 'tap'
import { parseSignatureHeader, signatureHeader, SignatureError, verifySignature } from '../../src/elevenlabs/signature.js'
import { buildTestApp } from '../helpers/app.js'
import { nowSeconds, SECRET, transcriptionEvent, WEBHOOK_PATH } from './helpers.js'

// Interoperability with the official SDK's verifier (webhooks.constructEvent): it accepts what
// we sign, and our route accepts what is signed the way it verifies.

const sdk = new ElevenLabsClient({ apiKey: 'unused-in-these-tests' })

/** The signature exactly as the SDK's verifier computes it: Web Crypto HMAC over `${t}.${rawBody}`. */
async function sdkStyleHeader (rawBody: string, secret: string, t: number): Promise<string> {
  const enc = new TextEncoder()
  const key = await globalThis.crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const sig = await globalThis.crypto.subtle.sign('HMAC', key, enc.encode(`${t}.${rawBody}`))
  return `t=${t},v0=${Buffer.from(sig).toString('hex')}`
}

// Non-ASCII and escapes: the SDK signs the string's UTF-8 bytes, we sign the bytes received.
const bodies = [
  transcriptionEvent('conv_sdk_1'),
  transcriptionEvent('conv_sdk_2', { agent_name: 'Recepción 😀 "Bogotá"\n\\' }),
  '{"type":"post_call_audio","data":{"conversation_id":"conv_sdk_3","full_audio":"QUJD"}}'
]

t.test('the SDK verifier accepts what we sign', async (t) => {
  for (const body of bodies) {
    const event = await sdk.webhooks.constructEvent(body, signatureHeader(SECRET, body), SECRET) as { type: string }
    t.equal(event.type, (JSON.parse(body) as { type: string }).type)
    await t.rejects(sdk.webhooks.constructEvent(body, signatureHeader('another', body), SECRET), 'and rejects a wrong secret')
    await t.rejects(sdk.webhooks.constructEvent(body, signatureHeader(SECRET, body, nowSeconds() - 31 * 60), SECRET), 'and a stale timestamp')
  }
})

t.test('our verifier agrees with the SDK on its own signatures', async (t) => {
  const now = nowSeconds()
  for (const body of bodies) {
    const header = await sdkStyleHeader(body, SECRET, now)
    t.ok(await sdk.webhooks.constructEvent(body, header, SECRET), 'the SDK accepts its own header')
    t.doesNotThrow(() => { verifySignature({ secret: SECRET, header, rawBody: Buffer.from(body, 'utf8'), nowSeconds: now }) })
    t.throws(() => { verifySignature({ secret: SECRET, header, rawBody: Buffer.from(`${body} `, 'utf8'), nowSeconds: now }) }, SignatureError)
  }
})

t.test('the route accepts a delivery signed the way the SDK verifies', async (t) => {
  const { app, db } = await buildTestApp(t, { ELEVENLABS_WEBHOOK_SECRET: SECRET })
  for (const body of bodies) {
    const res = await app.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      payload: body,
      headers: { 'content-type': 'application/json', 'elevenlabs-signature': await sdkStyleHeader(body, SECRET, nowSeconds()) }
    })
    t.equal(res.statusCode, 200, res.body)
  }
  const ids = (await db.knex('elevenlabs_calls').select('conversation_id').orderBy('conversation_id') as Array<{ conversation_id: string }>).map((r) => r.conversation_id)
  t.same(ids, ['conv_sdk_1', 'conv_sdk_2', 'conv_sdk_3'])
})

t.test('header parsing: the digest covers t as sent; the first t counts, as in the SDK', async (t) => {
  t.same(parseSignatureHeader('t=0123, v0=ab, x=1, v0=cd'), { timestamp: 123, rawTimestamp: '0123', digests: ['ab', 'cd'] })
  t.equal(parseSignatureHeader(['t=5,v0=aa', 't=6']).rawTimestamp, '5', 'a repeated header is read as one list')
  // The SDK signs the t text verbatim, leading zero included; so do we.
  const body = bodies[0] as string
  const now = nowSeconds()
  const padded = (await sdkStyleHeader(body, SECRET, now)).replace(`t=${now}`, `t=0${now}`)
  t.throws(() => { verifySignature({ secret: SECRET, header: padded, rawBody: body, nowSeconds: now }) }, SignatureError, 'a digest over "<t>." does not pass for "0<t>."')
  const enc = new TextEncoder()
  const key = await globalThis.crypto.subtle.importKey('raw', enc.encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const zeroSig = Buffer.from(await globalThis.crypto.subtle.sign('HMAC', key, enc.encode(`0${now}.${body}`))).toString('hex')
  t.doesNotThrow(() => { verifySignature({ secret: SECRET, header: `t=0${now},v0=${zeroSig}`, rawBody: body, nowSeconds: now }) })
  t.ok(await sdk.webhooks.constructEvent(body, `t=0${now},v0=${zeroSig}`, SECRET), 'the SDK agrees')
})
