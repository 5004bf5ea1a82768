import Fastify from 'fastify'
import t from 'tap'
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js'
import * as serializers from '@elevenlabs/elevenlabs-js/serialization/index.js'
import { webhookBody } from '../../src/emulator/webhooks.js'
import { signatureHeader } from '../../src/elevenlabs/signature.js'
import { startEmulator } from '../helpers/emulator.js'

// The official SDK, used as a real client against the emulator: if it parses everything the
// emulator serves, the emulator speaks the real wire format. A strict pass with the SDK's own
// schemas (no unknown key, no unknown enum value) checks that nothing extra slips in either.

const strict = { unrecognizedObjectKeys: 'fail', allowUnrecognizedEnumValues: false, allowUnrecognizedUnionMembers: false } as const

function problems (result: { ok: boolean, errors?: Array<{ path: string[], message: string }> }): string[] {
  return result.ok ? [] : (result.errors ?? []).map((e) => `${e.path.join('.')}: ${e.message}`)
}

t.test('SDK: list over several pages and get one conversation of every kind', async (t) => {
  const emu = await startEmulator(t, { count: 300, seed: 11 })
  const hook = emu.emulator.live.start({ status: 'initiated', channel: 'twilio', direction: 'outbound' })
  await emu.emulator.live.failInitiation({ channel: 'sip_trunking', webhook: false })
  const sdk = new ElevenLabsClient({ apiKey: emu.apiKey, baseUrl: emu.url, maxRetries: 0 })

  const ids: string[] = []
  // One of each kind (channel x direction x status), told apart from the list alone.
  const byKind = new Map<string, string>()
  let cursor: string | undefined
  let pages = 0
  do {
    const page = await sdk.conversationalAi.conversations.list({ pageSize: 100, cursor, summaryMode: 'include' })
    pages++
    t.ok(Array.isArray(page.conversations))
    for (const c of page.conversations) {
      ids.push(c.conversationId)
      const kind = `${c.conversationInitiationSource ?? '?'}/${c.direction ?? '-'}/${c.status}`
      if (!byKind.has(kind)) byKind.set(kind, c.conversationId)
    }
    cursor = page.hasMore ? page.nextCursor : undefined
  } while (cursor !== undefined)
  t.equal(pages, 4, '302 calls in pages of 100')
  t.equal(new Set(ids).size, 302)
  t.ok(ids.includes(hook.conversation_id))

  const filtered = await sdk.conversationalAi.conversations.list({ pageSize: 5, callStartBeforeUnix: Math.floor(Date.now() / 1000) - 86_400 * 30 })
  t.equal(filtered.conversations.length, 5, 'filters go through the SDK too')

  const kinds = new Map<string, string>()
  for (const id of byKind.values()) {
    const c = await sdk.conversationalAi.conversations.get(id)
    t.equal(c.conversationId, id)
    const phone = c.metadata.phoneCall
    kinds.set(`${phone?.type ?? 'web'}/${phone?.direction ?? '-'}/${c.status}`, id)
  }
  for (const kind of ['twilio/inbound/done', 'twilio/outbound/done', 'sip_trunking/inbound/done', 'sip_trunking/outbound/done', 'web/-/done', 'twilio/outbound/initiated']) {
    t.ok(kinds.has(kind), `saw ${kind}`)
  }
  t.ok([...kinds.keys()].some((k) => k.endsWith('/failed')), 'a failed call')
  t.ok([...kinds.keys()].some((k) => k.endsWith('/in-progress')), 'an in-progress call')
  t.ok([...kinds.keys()].some((k) => k.endsWith('/processing')), 'a processing call')

  for (const [kind, id] of kinds) {
    const raw = await fetch(`${emu.url}/v1/convai/conversations/${id}`, { headers: { 'xi-api-key': emu.apiKey } })
    t.same(problems(serializers.GetConversationResponseModel.parse(await raw.json(), strict)), [], `${kind}: strictly valid`)
  }
  for (const query of ['page_size=100', 'page_size=100&summary_mode=include']) {
    const raw = await fetch(`${emu.url}/v1/convai/conversations?${query}`, { headers: { 'xi-api-key': emu.apiKey } })
    t.same(problems(serializers.GetConversationsPageResponseModel.parse(await raw.json(), strict)), [], `list ${query}: strictly valid`)
  }
})

t.test('SDK: errors come back as the SDK expects them', async (t) => {
  const emu = await startEmulator(t)
  const sdk = new ElevenLabsClient({ apiKey: emu.apiKey, baseUrl: emu.url, maxRetries: 0 })
  const statusOf = async (call: () => Promise<unknown>): Promise<unknown> => {
    try {
      await call()
      return 'resolved'
    } catch (err) {
      return (err as { statusCode?: number }).statusCode
    }
  }
  t.equal(await statusOf(async () => await sdk.conversationalAi.conversations.get('conv_ffffffffffffffffffffffff')), 404, 'unknown id')
  t.equal(await statusOf(async () => await sdk.conversationalAi.conversations.list({ pageSize: 101 })), 422, 'page_size over 100')
  const wrong = new ElevenLabsClient({ apiKey: 'wrong', baseUrl: emu.url, maxRetries: 0 })
  t.equal(await statusOf(async () => await wrong.conversationalAi.conversations.list()), 401, 'wrong key')
})

t.test('SDK webhooks.constructEvent accepts what the emulator signs', async (t) => {
  const app = Fastify()
  const received: Array<{ raw: string, signature: string }> = []
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })
  app.post('/hook', async (request) => {
    received.push({ raw: request.body as string, signature: request.headers['elevenlabs-signature'] as string })
    return { ok: true }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await app.close() })
  const address = app.server.address()
  const emu = await startEmulator(t, { webhookUrl: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hook` })

  const started = emu.emulator.live.start({ channel: 'sip_trunking' })
  await emu.emulator.live.finish(started.conversation_id, { audioWebhook: true })
  await emu.emulator.live.failInitiation({ channel: 'twilio' })
  t.equal(received.length, 3)

  const sdk = new ElevenLabsClient({ apiKey: emu.apiKey, baseUrl: emu.url })
  for (const { raw, signature } of received) {
    const event = await sdk.webhooks.constructEvent(raw, signature, emu.webhookSecret)
    t.same(event, JSON.parse(raw), `${(event as { type: string }).type}: accepted`)
  }
  const first = received[0] as { raw: string, signature: string }
  await t.rejects(sdk.webhooks.constructEvent(first.raw, first.signature, 'another-secret'), 'a different secret is rejected')
  await t.rejects(sdk.webhooks.constructEvent(`${first.raw} `, first.signature, emu.webhookSecret), 'a changed body is rejected')

  const spec = emu.emulator.state.get(started.conversation_id)
  if (spec === undefined) throw new Error('no call')
  const body = webhookBody('post_call_transcription', spec)
  const stale = signatureHeader(emu.webhookSecret, body, Math.floor(Date.now() / 1000) - 31 * 60)
  await t.rejects(sdk.webhooks.constructEvent(body, stale, emu.webhookSecret), 'older than 30 minutes is rejected')
})
