import Fastify from 'fastify'
import t from 'tap'
import { callFromWebhook } from '../../src/elevenlabs/mapping.js'
import { verifySignature } from '../../src/elevenlabs/signature.js'
import type { Conversation, ConversationsPage } from '../../src/elevenlabs/types.js'
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js'

// The test and benchmark knobs, over HTTP (/_emulator/*, no key) and in code.

interface Received { rawBody: string, signature: string | undefined, json: any }

interface Teardown { teardown: (fn: () => unknown) => void }

/** A webhook receiver that keeps the raw bytes and the signature header. */
async function receiver (t: Teardown, status = 200): Promise<{ url: string, received: Received[] }> {
  const app = Fastify({ bodyLimit: 20 * 1024 * 1024 })
  const received: Received[] = []
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })
  app.post('/hook', async (request, reply) => {
    const rawBody = request.body as string
    received.push({ rawBody, signature: request.headers['elevenlabs-signature'] as string | undefined, json: JSON.parse(rawBody) })
    return reply.code(status).send({ ok: status < 300 })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await app.close() })
  const address = app.server.address()
  return { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hook`, received }
}

async function call (emu: RunningEmulator, method: string, path: string, body?: unknown, key?: string): Promise<{ status: number, json: any, headers: Headers }> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (key !== undefined) headers['xi-api-key'] = key
  const res = await fetch(`${emu.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, headers: res.headers, json: text === '' ? undefined : JSON.parse(text) }
}

async function list (emu: RunningEmulator, query = 'page_size=10'): Promise<{ status: number, json: ConversationsPage, headers: Headers }> {
  return await call(emu, 'GET', `/v1/convai/conversations?${query}`, undefined, emu.apiKey)
}

t.test('stats count requests per endpoint, and reset', async (t) => {
  const emu = await startEmulator(t)
  const first = (await list(emu)).json.conversations[0]?.conversation_id ?? ''
  await call(emu, 'GET', `/v1/convai/conversations/${first}`, undefined, emu.apiKey)
  await call(emu, 'GET', `/v1/convai/conversations/${first}`, undefined, emu.apiKey)
  await call(emu, 'GET', '/v1/convai/conversations/conv_x/audio', undefined, emu.apiKey)
  await call(emu, 'GET', '/v1/convai/conversations')
  const stats = (await call(emu, 'GET', '/_emulator/stats')).json
  t.same(stats.requests, { list: 2, detail: 2, audio: 1 })
  t.equal(stats.total, 5)
  t.equal(stats.unauthorized, 1)
  t.same(stats.recent.map((r: { endpoint: string, status: number }) => [r.endpoint, r.status]), [['list', 200], ['detail', 200], ['detail', 200], ['audio', 404], ['list', 401]])
  const reset = (await call(emu, 'POST', '/_emulator/stats/reset')).json
  t.equal(reset.total, 0)
  t.equal(emu.emulator.stats.count(), 0, 'the same counters as in code')
})

t.test('faults over HTTP: 429 with Retry-After, 5xx bursts, targeted, skipped, expiring', async (t) => {
  const emu = await startEmulator(t)
  const added = await call(emu, 'POST', '/_emulator/faults', { endpoint: 'list', status: 429, retryAfter: 1, times: 2 })
  t.equal(added.status, 201)
  t.equal(added.json.remaining, 2)
  for (let i = 0; i < 2; i++) {
    const res = await list(emu)
    t.equal(res.status, 429)
    t.equal(res.headers.get('retry-after'), '1')
    t.equal((res.json as any).detail.status, 'rate_limit_exceeded')
  }
  t.equal((await list(emu)).status, 200, 'expired after two')

  const date = new Date(Date.now() + 5000).toUTCString()
  await call(emu, 'POST', '/_emulator/faults', { endpoint: 'all', status: 503, retryAfter: date })
  const burst = await call(emu, 'GET', '/v1/convai/conversations/conv_x', undefined, emu.apiKey)
  t.equal(burst.status, 503)
  t.equal(burst.headers.get('retry-after'), date, 'an HTTP date as given')

  const target = (await list(emu)).json.conversations[2]?.conversation_id ?? ''
  const other = (await list(emu)).json.conversations[3]?.conversation_id ?? ''
  await call(emu, 'POST', '/_emulator/faults', { endpoint: 'detail', conversationId: target, status: 404, times: 5 })
  t.equal((await call(emu, 'GET', `/v1/convai/conversations/${other}`, undefined, emu.apiKey)).status, 200, 'other calls unaffected')
  t.equal((await call(emu, 'GET', `/v1/convai/conversations/${target}`, undefined, emu.apiKey)).status, 404)

  await call(emu, 'DELETE', '/_emulator/faults')
  t.equal((await call(emu, 'GET', `/v1/convai/conversations/${target}`, undefined, emu.apiKey)).status, 200, 'cleared')

  await call(emu, 'POST', '/_emulator/faults', { endpoint: 'list', skip: 2, status: 500, times: 1 })
  t.same([(await list(emu)).status, (await list(emu)).status, (await list(emu)).status, (await list(emu)).status], [200, 200, 500, 200], 'skip lets the first ones through')
  t.equal((await call(emu, 'POST', '/_emulator/faults', { endpoint: 'everything' })).status, 400)
})

t.test('faults: slow responses, dropped connections, bad JSON, a dead-end cursor', async (t) => {
  const emu = await startEmulator(t)
  await call(emu, 'POST', '/_emulator/faults', { endpoint: 'list', delayMs: 50 })
  t.equal((await list(emu)).status, 200, 'slow but correct')
  t.equal(emu.emulator.stats.snapshot().faultsServed, 1)

  await call(emu, 'POST', '/_emulator/faults', { endpoint: 'list', reset: true })
  await t.rejects(list(emu), 'the connection is dropped')

  await call(emu, 'POST', '/_emulator/faults', { endpoint: 'list', invalidJson: true })
  const bad = await fetch(`${emu.url}/v1/convai/conversations`, { headers: { 'xi-api-key': emu.apiKey } })
  t.equal(bad.status, 200)
  const text = await bad.text()
  t.throws(() => JSON.parse(text))

  await call(emu, 'POST', '/_emulator/faults', { endpoint: 'list', nullCursor: true })
  const dead = (await list(emu)).json
  t.equal(dead.has_more, true)
  t.equal(dead.next_cursor, null)

  emu.emulator.faults.add({ endpoint: 'list', transform: (body) => ({ ...(body as object), extra_field: 1 }) })
  t.equal(((await list(emu)).json as any).extra_field, 1, 'code-only body rewrite')
})

t.test('latency is adjustable per endpoint', async (t) => {
  const emu = await startEmulator(t, { latencyMs: 5 })
  const res = await call(emu, 'PUT', '/_emulator/latency', { ms: 20, endpoint: 'detail' })
  t.same(res.json, { all: 5, list: 0, detail: 20, audio: 0 })
  t.equal((await call(emu, 'PUT', '/_emulator/latency', { ms: -1 })).status, 400)
  t.equal((await list(emu)).status, 200)
  t.equal((await call(emu, 'GET', '/_emulator')).json.latency.detail, 20)
})

t.test('added calls come first in the list', async (t) => {
  const emu = await startEmulator(t, { count: 10 })
  const added = await call(emu, 'POST', '/_emulator/calls', { count: 3, channel: 'sip_trunking', direction: 'inbound' })
  t.equal(added.status, 201)
  t.equal(added.json.conversationIds.length, 3)
  const page = (await list(emu, 'page_size=100')).json
  t.equal(page.conversations.length, 13)
  t.same(page.conversations.slice(0, 3).map((c) => c.conversation_id), added.json.conversationIds, 'newest first')
  const detail = (await call(emu, 'GET', `/v1/convai/conversations/${added.json.conversationIds[0] as string}`, undefined, emu.apiKey)).json as Conversation
  t.equal(detail.status, 'done')
  t.equal(detail.metadata.phone_call?.type, 'sip_trunking')
  t.equal((await call(emu, 'POST', '/_emulator/calls', { count: 0 })).status, 400)
})

t.test('a live call: in progress, then done, then a signed post_call_transcription', async (t) => {
  const hook = await receiver(t)
  const emu = await startEmulator(t, { webhookUrl: hook.url })
  const started = await call(emu, 'POST', '/_emulator/live-calls', { channel: 'twilio', direction: 'inbound', externalNumber: '+573001112233' })
  t.equal(started.status, 201)
  const id = started.json.conversation_id as string
  t.equal(started.json.status, 'in-progress')

  const head = (await list(emu, 'page_size=1')).json.conversations[0]
  t.equal(head?.conversation_id, id, 'newest in the list')
  t.equal(head?.status, 'in-progress')
  const running = (await call(emu, 'GET', `/v1/convai/conversations/${id}`, undefined, emu.apiKey)).json as Conversation
  t.equal(running.status, 'in-progress')
  t.equal(running.analysis, null)
  t.equal(running.metadata.phone_call?.external_number, '+573001112233')
  t.equal(hook.received.length, 0, 'no webhook while the call runs')

  const finished = await call(emu, 'POST', `/_emulator/live-calls/${id}/finish`, {})
  t.same(finished.json.deliveries.map((d: { type: string, status: number }) => [d.type, d.status]), [['post_call_transcription', 200]])
  const done = (await call(emu, 'GET', `/v1/convai/conversations/${id}`, undefined, emu.apiKey)).json as Conversation
  t.equal(done.status, 'done')
  t.ok(done.transcript.length > running.transcript.length, 'the whole transcript')
  t.type(done.analysis?.transcript_summary, 'string')

  const delivery = hook.received[0]
  t.ok(delivery)
  t.equal(delivery?.json.type, 'post_call_transcription')
  t.same(delivery?.json.data, done, 'the webhook carries the same conversation as the API')
  t.doesNotThrow(() => { verifySignature({ secret: emu.webhookSecret, header: delivery?.signature, rawBody: delivery?.rawBody ?? '' }) }, 'signed with the secret')
  t.throws(() => { verifySignature({ secret: 'other', header: delivery?.signature, rawBody: delivery?.rawBody ?? '' }) })
  t.match(callFromWebhook(delivery?.json), { conversationId: id, status: 'done', callerNumber: '+573001112233', syncedFromApi: false })

  t.equal((await call(emu, 'POST', '/_emulator/live-calls/conv_nope/finish', {})).status, 404)
})

t.test('webhooks on demand: audio and initiation failures, in both provider shapes', async (t) => {
  const hook = await receiver(t)
  const emu = await startEmulator(t)
  t.same((await call(emu, 'PUT', '/_emulator/webhook-config', { url: hook.url, secret: 'whsec_other' })).json, { url: hook.url })
  const id = (await list(emu)).json.conversations.find((c) => c.status === 'done')?.conversation_id ?? ''

  const audio = await call(emu, 'POST', '/_emulator/webhooks', { type: 'post_call_audio', conversationId: id, audioBytes: 3 * 1024 * 1024 })
  t.equal(audio.json.status, 200)
  const audioBody = hook.received[0]
  t.equal(audioBody?.json.type, 'post_call_audio')
  t.equal(Buffer.from(audioBody?.json.data.full_audio as string, 'base64').length, 3 * 1024 * 1024, 'a multi-MB body, as big as asked')
  t.doesNotThrow(() => { verifySignature({ secret: 'whsec_other', header: audioBody?.signature, rawBody: audioBody?.rawBody ?? '' }) })

  const sip = await call(emu, 'POST', '/_emulator/live-calls/initiation-failure', { channel: 'sip_trunking', failureReason: 'busy', externalNumber: '+573209998877' })
  t.equal(sip.status, 201)
  t.equal(sip.json.conversation.status, 'failed')
  const sipEvent = hook.received[1]?.json
  t.equal(sipEvent.type, 'call_initiation_failure')
  t.equal(sipEvent.data.metadata.type, 'sip')
  t.equal(sipEvent.data.metadata.body.sip_status_code, 486, 'numeric in SIP bodies')
  t.match(callFromWebhook(sipEvent), { status: 'failed', endReason: 'busy', calleeNumber: '+573209998877', callDirection: 'outbound', callType: 'sip_trunking' })

  await call(emu, 'POST', '/_emulator/live-calls/initiation-failure', { channel: 'twilio', failureReason: 'no-answer', externalNumber: '+573001234000' })
  const twilioEvent = hook.received[2]?.json
  t.equal(twilioEvent.data.metadata.type, 'twilio')
  t.equal(twilioEvent.data.metadata.body.Direction, 'outbound-api')
  t.equal(twilioEvent.data.metadata.body.SipResponseCode, '480', 'strings in Twilio bodies')
  t.match(callFromWebhook(twilioEvent), { status: 'failed', endReason: 'no-answer', callerNumber: '+576076916019', calleeNumber: '+573001234000', metadata: { sip_status_code: 480 } })

  const failedInList = (await list(emu, 'page_size=2')).json.conversations
  t.same(failedInList.map((c) => c.status), ['failed', 'failed'], 'failed initiations show in the list')

  t.equal((await call(emu, 'POST', '/_emulator/webhooks', { type: 'post_call_summary', conversationId: id })).status, 400)
  t.equal((await call(emu, 'POST', '/_emulator/webhooks', { type: 'post_call_audio', conversationId: 'conv_nope' })).status, 404)
})

t.test('a failed delivery is reported, never thrown', async (t) => {
  const hook = await receiver(t, 500)
  const emu = await startEmulator(t, { webhookUrl: hook.url })
  const started = emu.emulator.live.start()
  const finished = await emu.emulator.live.finish(started.conversation_id)
  t.same(finished?.deliveries.map((d) => [d.ok, d.status]), [[false, 500]])
  emu.emulator.webhooks.url = 'http://127.0.0.1:1/nowhere'
  const again = await emu.emulator.live.finish(emu.emulator.live.start().conversation_id)
  t.equal(again?.deliveries[0]?.ok, false)
  t.type(again?.deliveries[0]?.error, 'string')
})

t.test('simulate: start now, finish later; close cancels what is pending', async (t) => {
  const hook = await receiver(t)
  const emu = await startEmulator(t, { webhookUrl: hook.url })
  const { conversationId, finished } = emu.emulator.live.simulate({ finishAfterMs: 20, audioWebhook: true })
  t.equal(emu.emulator.state.get(conversationId)?.status, 'in-progress')
  const result = await finished
  t.equal(result?.conversation.status, 'done')
  t.same(hook.received.map((r) => r.json.type), ['post_call_transcription', 'post_call_audio'])

  const pending = emu.emulator.live.simulate({ finishAfterMs: 60_000 })
  await emu.emulator.close()
  t.equal(await pending.finished, undefined, 'resolved at close, not left hanging')
  t.equal(emu.emulator.state.get(pending.conversationId)?.status, 'in-progress')
})
