import { inspect } from 'node:util'
import t from 'tap'
import { clampPageSize, createElevenLabsClient, parseRetryAfter, type ElevenLabsClientOptions } from '../../src/elevenlabs/client.js'
import { ElevenLabsError, isElevenLabsError } from '../../src/elevenlabs/errors.js'
import { callFromConversation } from '../../src/elevenlabs/mapping.js'
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js'

interface Logged { obj: Record<string, unknown>, msg: string }

function clientFor (emu: RunningEmulator, opts: Partial<ElevenLabsClientOptions> = {}): { client: ReturnType<typeof createElevenLabsClient>, logs: Logged[] } {
  const logs: Logged[] = []
  const client = createElevenLabsClient({
    baseUrl: emu.url,
    apiKey: emu.apiKey,
    timeoutMs: 2000,
    retryLimit: 4,
    retryBaseDelayMs: 10,
    logger: { warn: (obj, msg) => { logs.push({ obj: obj as Record<string, unknown>, msg }) } },
    ...opts
  })
  return { client, logs }
}

async function failure (promise: Promise<unknown>): Promise<ElevenLabsError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof ElevenLabsError) return err
    throw err
  }
  throw new Error('expected the call to fail')
}

t.test('parseRetryAfter: seconds, HTTP dates, garbage', async (t) => {
  const now = Date.parse('2025-10-30T15:00:00Z')
  t.equal(parseRetryAfter('1', now), 1000)
  t.equal(parseRetryAfter(' 2.5 ', now), 2500)
  t.equal(parseRetryAfter('Thu, 30 Oct 2025 15:00:03 GMT', now), 3000)
  t.equal(parseRetryAfter('Thu, 30 Oct 2025 14:00:00 GMT', now), 0, 'a past date means now')
  t.equal(parseRetryAfter(['4'], now), 4000)
  t.equal(parseRetryAfter('soon', now), undefined)
  t.equal(parseRetryAfter(undefined, now), undefined)
})

t.test('clampPageSize keeps 1..100', async (t) => {
  t.same([0, 1, 30.7, 100, 101, 500, -3].map(clampPageSize), [1, 1, 30, 100, 100, 100, 1])
})

t.test('lists newest first and walks every page with the cursor', async (t) => {
  const emu = await startEmulator(t, { count: 75 })
  const { client } = clientFor(emu)
  const first = await client.listConversations()
  t.equal(first.conversations.length, 30, 'API default page size')
  t.equal(first.has_more, true)
  const seen: string[] = []
  let cursor: string | null | undefined
  let previousStart = Infinity
  do {
    const page = await client.listConversations({ cursor, pageSize: 20 })
    for (const c of page.conversations) {
      t.ok(c.start_time_unix_secs <= previousStart, 'newest first')
      previousStart = c.start_time_unix_secs
      seen.push(c.conversation_id)
    }
    cursor = page.next_cursor
  } while (cursor !== null && cursor !== undefined)
  t.equal(seen.length, 75)
  t.equal(new Set(seen).size, 75, 'no duplicates across pages')
})

t.test('page_size is clamped to 100 before it reaches the API', async (t) => {
  const emu = await startEmulator(t, { count: 150 })
  const { client } = clientFor(emu)
  const page = await client.listConversations({ pageSize: 500 })
  t.equal(page.conversations.length, 100)
  const tiny = await client.listConversations({ pageSize: 0 })
  t.equal(tiny.conversations.length, 1)
  const urls = emu.emulator.stats.snapshot().recent.map((r) => r.url)
  t.match(urls[0], /page_size=100(&|$)/)
  t.match(urls[1], /page_size=1(&|$)/)
  t.equal(emu.emulator.stats.snapshot().requests.list, 2, 'no 422 and retry')
})

t.test('filters reach the API', async (t) => {
  const emu = await startEmulator(t, { count: 60 })
  const { client } = clientFor(emu)
  const all = await client.listConversations({ pageSize: 100 })
  const mid = all.conversations[20]?.start_time_unix_secs ?? 0
  const old = all.conversations[40]?.start_time_unix_secs ?? 0
  const page = await client.listConversations({ pageSize: 100, startAfterUnix: old, startBeforeUnix: mid, summaryMode: 'include' })
  t.equal(page.conversations.length, 21)
  t.ok(page.conversations.every((c) => c.start_time_unix_secs >= old && c.start_time_unix_secs <= mid))
  t.ok(page.conversations.some((c) => typeof c.transcript_summary === 'string'), 'summary_mode=include adds summaries')
  const agentId = all.conversations.find((c) => c.direction === 'outbound')?.agent_id ?? ''
  const agentPage = await client.listConversations({ pageSize: 100, agentId })
  t.ok(agentPage.conversations.length > 0 && agentPage.conversations.every((c) => c.agent_id === agentId))
})

t.test('getConversation returns the full conversation', async (t) => {
  const emu = await startEmulator(t)
  const { client } = clientFor(emu)
  const { conversations } = await client.listConversations({ pageSize: 10 })
  const id = conversations[5]?.conversation_id ?? ''
  const conversation = await client.getConversation(id)
  t.equal(conversation.conversation_id, id)
  t.ok(Array.isArray(conversation.transcript))
  t.equal(callFromConversation(conversation).conversationId, id)
})

t.test('429 with Retry-After: 1 waits that long, then succeeds', async (t) => {
  const emu = await startEmulator(t)
  emu.emulator.faults.add({ endpoint: 'list', status: 429, retryAfter: 1, times: 1 })
  const { client, logs } = clientFor(emu, { retryBaseDelayMs: 5 })
  const page = await client.listConversations({ pageSize: 5 })
  t.equal(page.conversations.length, 5)
  t.equal(emu.emulator.stats.count('list'), 2, 'one retry')
  t.equal(logs.length, 1)
  t.equal(logs[0]?.obj.delayMs, 1000, 'Retry-After honoured rather than the 5 ms backoff')
  t.equal(logs[0]?.obj.statusCode, 429)
})

t.test('Retry-After as an HTTP date is honoured', async (t) => {
  const emu = await startEmulator(t)
  emu.emulator.faults.add({ endpoint: 'detail', status: 503, retryAfter: new Date(Date.now() + 2000).toUTCString(), times: 1 })
  const { client, logs } = clientFor(emu, { retryBaseDelayMs: 5 })
  const { conversations } = await client.listConversations({ pageSize: 1 })
  await client.getConversation(conversations[0]?.conversation_id ?? '')
  const delay = logs[0]?.obj.delayMs as number
  t.ok(delay > 5 && delay <= 2000, `waited for the date (${delay} ms)`)
})

t.test('a Retry-After beyond the cap gives up at once as RATE_LIMITED', async (t) => {
  const emu = await startEmulator(t)
  emu.emulator.faults.add({ endpoint: 'list', status: 429, retryAfter: 3600, times: 5 })
  const { client } = clientFor(emu, { maxRetryDelayMs: 5000 })
  const err = await failure(client.listConversations())
  t.equal(err.code, 'ELEVENLABS_RATE_LIMITED')
  t.equal(err.statusCode, 429)
  t.equal(emu.emulator.stats.count('list'), 1)
})

t.test('429 on every attempt ends as RATE_LIMITED after the retries', async (t) => {
  const emu = await startEmulator(t)
  emu.emulator.faults.add({ endpoint: 'list', status: 429, times: 10 })
  const { client } = clientFor(emu, { retryLimit: 2 })
  const err = await failure(client.listConversations())
  t.equal(err.code, 'ELEVENLABS_RATE_LIMITED')
  t.equal(emu.emulator.stats.count('list'), 3)
})

t.test('five 503s in a row end as UPSTREAM after four retries', async (t) => {
  const emu = await startEmulator(t)
  emu.emulator.faults.add({ endpoint: 'list', status: 503, times: 5 })
  const { client, logs } = clientFor(emu, { retryLimit: 4 })
  const err = await failure(client.listConversations())
  t.equal(err.code, 'ELEVENLABS_UPSTREAM')
  t.equal(err.statusCode, 503)
  t.equal(emu.emulator.stats.count('list'), 5)
  t.equal(logs.length, 4)
  const delays = logs.map((l) => l.obj.delayMs as number)
  t.ok(delays.every((d, i) => d >= 10 * 2 ** i / 2 && d <= 10 * 2 ** i), `exponential backoff with jitter: ${delays.join(', ')}`)
  // A sixth attempt would have succeeded: the burst is over.
  t.equal((await client.listConversations({ pageSize: 1 })).conversations.length, 1)
})

t.test('401 and 422 are not retried', async (t) => {
  const emu = await startEmulator(t)
  const wrong = clientFor(emu, { apiKey: 'not-the-key' }).client
  const unauthorized = await failure(wrong.listConversations())
  t.equal(unauthorized.code, 'ELEVENLABS_UNAUTHORIZED')
  t.equal(unauthorized.statusCode, 401)
  t.equal(emu.emulator.stats.count('list'), 1)

  const { client } = clientFor(emu)
  const bad = await failure(client.listConversations({ cursor: 'not-a-cursor' }))
  t.equal(bad.code, 'ELEVENLABS_BAD_REQUEST')
  t.equal(bad.statusCode, 422)
  t.match(bad.message, /cursor: Invalid cursor/, 'the API detail is in the message')
  t.equal(emu.emulator.stats.count('list'), 2)

  emu.emulator.faults.add({ endpoint: 'detail', status: 403, times: 3 })
  t.equal((await failure(client.getConversation('conv_x'))).code, 'ELEVENLABS_UNAUTHORIZED')
  t.equal(emu.emulator.stats.count('detail'), 1)
})

t.test('unknown conversation: NOT_FOUND, for detail and audio', async (t) => {
  const emu = await startEmulator(t)
  const { client } = clientFor(emu)
  const err = await failure(client.getConversation('conv_ffffffffffffffffffffffff'))
  t.equal(err.code, 'ELEVENLABS_NOT_FOUND')
  t.equal(err.statusCode, 404)
  t.ok(isElevenLabsError(err, 'ELEVENLABS_NOT_FOUND'))
  t.equal((await failure(client.getAudio('conv_ffffffffffffffffffffffff'))).code, 'ELEVENLABS_NOT_FOUND')
  t.equal(emu.emulator.stats.count(), 2, 'no retries')
})

t.test('the API key never shows in errors or logs', async (t) => {
  const emu = await startEmulator(t, { apiKey: 'sk_live_0123456789abcdef_SECRET' })
  const { client, logs } = clientFor(emu, { retryLimit: 1 })
  emu.emulator.faults.add({ endpoint: 'list', status: 500, times: 2 })
  const errors = [
    await failure(client.listConversations()),
    await failure(clientFor(emu, { apiKey: 'sk_wrong_key_SECRET' }).client.listConversations()),
    await failure(client.getConversation('conv_ffffffffffffffffffffffff'))
  ]
  emu.emulator.faults.add({ endpoint: 'list', reset: true, times: 2 })
  errors.push(await failure(client.listConversations()))
  await emu.emulator.close()
  errors.push(await failure(client.listConversations()))
  t.same(errors.map((e) => e.code), ['ELEVENLABS_UPSTREAM', 'ELEVENLABS_UNAUTHORIZED', 'ELEVENLABS_NOT_FOUND', 'ELEVENLABS_NETWORK', 'ELEVENLABS_NETWORK'])
  for (const err of errors) {
    const everything = `${err.message}\n${err.stack ?? ''}\n${inspect(err, { depth: 10, showHidden: true })}\n${JSON.stringify(err)}`
    t.notMatch(everything, /SECRET/, `${err.code}: no key`)
    t.equal(err.cause, undefined, `${err.code}: no got error attached`)
  }
  t.ok(logs.length > 0)
  t.notMatch(JSON.stringify(logs), /SECRET/, 'retry logs carry no key')
})

t.test('network errors and timeouts are retried, then named', async (t) => {
  const emu = await startEmulator(t)
  const { client } = clientFor(emu, { retryLimit: 2 })
  emu.emulator.faults.add({ endpoint: 'list', reset: true, times: 1 })
  t.equal((await client.listConversations({ pageSize: 2 })).conversations.length, 2, 'one reset, then success')
  t.equal(emu.emulator.stats.count('list'), 2)

  const slow = clientFor(emu, { timeoutMs: 150, retryLimit: 1 }).client
  emu.emulator.faults.add({ endpoint: 'detail', delayMs: 1000, times: 2 })
  const err = await failure(slow.getConversation('conv_ffffffffffffffffffffffff'))
  t.equal(err.code, 'ELEVENLABS_TIMEOUT')
})

t.test('a body that is not JSON is INVALID_RESPONSE, not retried', async (t) => {
  const emu = await startEmulator(t)
  emu.emulator.faults.add({ endpoint: 'list', invalidJson: true, times: 3 })
  const { client } = clientFor(emu)
  const err = await failure(client.listConversations())
  t.equal(err.code, 'ELEVENLABS_INVALID_RESPONSE')
  t.equal(emu.emulator.stats.count('list'), 1)

  emu.emulator.faults.add({ endpoint: 'list', transform: () => ({ items: [] }), times: 1 })
  t.equal((await failure(client.listConversations())).code, 'ELEVENLABS_INVALID_RESPONSE', 'JSON of the wrong shape too')
})

t.test('audio arrives as a stream, after retrying a 503', async (t) => {
  const emu = await startEmulator(t)
  const { client } = clientFor(emu)
  const { conversations } = await client.listConversations({ pageSize: 30 })
  const done = conversations.find((c) => c.status === 'done')
  t.ok(done)
  emu.emulator.faults.add({ endpoint: 'audio', status: 503, times: 1 })
  const audio = await client.getAudio(done?.conversation_id ?? '')
  t.equal(audio.contentType, 'audio/mpeg')
  t.ok((audio.contentLength ?? 0) > 1000)
  const chunks: Buffer[] = []
  for await (const chunk of audio.stream) chunks.push(chunk as Buffer)
  t.ok(chunks.length > 1, 'delivered in several chunks')
  const bytes = Buffer.concat(chunks)
  t.equal(bytes.length, audio.contentLength)
  t.equal(bytes.subarray(0, 3).toString('latin1'), 'ID3')
  t.equal(emu.emulator.stats.count('audio'), 2)
})

t.test('a caller that stops reading the audio stops the download', async (t) => {
  const emu = await startEmulator(t, { audioBytesPerSecond: 50_000 })
  const { client } = clientFor(emu)
  const { conversations } = await client.listConversations({ pageSize: 30 })
  const done = conversations.find((c) => c.status === 'done')
  const audio = await client.getAudio(done?.conversation_id ?? '')
  const stream = audio.stream as NodeJS.ReadableStream & { destroy: () => void, destroyed: boolean }
  for await (const chunk of stream) {
    t.ok((chunk as Buffer).length > 0)
    break
  }
  t.equal(stream.destroyed, true)
})
