import t from 'tap'
import { buildEmulator } from '../../src/emulator/emulator.js'
import { mix32, unmix32 } from '../../src/emulator/random.js'
import type { Conversation, ConversationSummary, ConversationsPage } from '../../src/elevenlabs/types.js'
import { EMULATOR_NOW, startEmulator, type RunningEmulator } from '../helpers/emulator.js'

// The emulator's API over real HTTP, as raw wire JSON: what the real API promises, it must too.

async function get (emu: RunningEmulator, path: string, key: string | null = emu.apiKey): Promise<{ status: number, body: any, headers: Headers, bytes: Buffer }> {
  const res = await fetch(`${emu.url}${path}`, { headers: key === null ? {} : { 'xi-api-key': key } })
  const bytes = Buffer.from(await res.arrayBuffer())
  const type = res.headers.get('content-type') ?? ''
  return { status: res.status, headers: res.headers, bytes, body: type.includes('json') ? JSON.parse(bytes.toString('utf8')) : undefined }
}

async function page (emu: RunningEmulator, query: string): Promise<ConversationsPage> {
  const res = await get(emu, `/v1/convai/conversations?${query}`)
  if (res.status !== 200) throw new Error(`list answered ${res.status}: ${JSON.stringify(res.body)}`)
  return res.body as ConversationsPage
}

async function all (emu: RunningEmulator, query = ''): Promise<ConversationSummary[]> {
  const out: ConversationSummary[] = []
  let cursor: string | null | undefined
  do {
    const p = await page(emu, `page_size=100${query}${cursor === null || cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
    out.push(...p.conversations)
    cursor = p.next_cursor
    if (!p.has_more) t.equal(p.next_cursor, null, 'last page has no cursor')
  } while (cursor !== null && cursor !== undefined)
  return out
}

function isNewestFirst (items: ConversationSummary[]): boolean {
  return items.every((c, i) => {
    const prev = items[i - 1]
    return prev === undefined || prev.start_time_unix_secs > c.start_time_unix_secs ||
      (prev.start_time_unix_secs === c.start_time_unix_secs && prev.conversation_id > c.conversation_id)
  })
}

t.test('mix32 and unmix32 are inverse (seeded ids encode their index)', async (t) => {
  for (const n of [0, 1, 2, 255, 65_535, 1_999_999, 0x7fffffff, 0xffffffff]) t.equal(unmix32(mix32(n)), n >>> 0, String(n))
})

t.test('the API key is required and checked', async (t) => {
  const emu = await startEmulator(t)
  const missing = await get(emu, '/v1/convai/conversations', null)
  t.equal(missing.status, 401)
  t.equal(missing.body.detail.status, 'needs_authorization')
  const wrong = await get(emu, '/v1/convai/conversations/x', 'nope')
  t.equal(wrong.status, 401)
  t.equal(wrong.body.detail.status, 'invalid_api_key')
  t.equal((await get(emu, '/v1/convai/conversations/x/audio', '')).status, 401)
  t.equal(emu.emulator.stats.snapshot().unauthorized, 3)
})

t.test('list: default page of 30, newest first, opaque cursor to the end', async (t) => {
  const emu = await startEmulator(t, { count: 95 })
  const first = await page(emu, '')
  t.equal(first.conversations.length, 30)
  t.equal(first.has_more, true)
  t.type(first.next_cursor, 'string')
  const items = await all(emu)
  t.equal(items.length, 95)
  t.equal(new Set(items.map((c) => c.conversation_id)).size, 95, 'unique ids')
  t.ok(items.every((c) => /^conv_[0-9a-f]{24}$/.test(c.conversation_id)), 'conv_<hex> ids')
  t.ok(isNewestFirst(items))
  t.ok((items[0]?.start_time_unix_secs ?? 0) <= EMULATOR_NOW.getTime() / 1000, 'history ends at now')
  const exact = await page(emu, 'page_size=95')
  t.equal(exact.has_more, false, 'a page that ends exactly at the last call says so')
  t.equal(exact.next_cursor, null)
})

t.test('page_size outside 1..100 or not a number is a 422 with detail', async (t) => {
  const emu = await startEmulator(t)
  for (const bad of ['101', '0', '-5', 'abc', '1.5']) {
    const res = await get(emu, `/v1/convai/conversations?page_size=${bad}`)
    t.equal(res.status, 422, bad)
    t.same(res.body.detail[0].loc, ['query', 'page_size'], `${bad}: names the parameter`)
  }
  t.equal((await page(emu, 'page_size=100')).conversations.length, 50, '100 is allowed')
  t.equal((await get(emu, '/v1/convai/conversations?cursor=%%%')).status, 422, 'a forged cursor')
  t.equal((await get(emu, '/v1/convai/conversations?summary_mode=all')).status, 422)
  t.equal((await get(emu, '/v1/convai/conversations?call_start_after_unix=yesterday')).status, 422)
})

t.test('filters: start window (inclusive), agent, statuses, summary mode', async (t) => {
  const emu = await startEmulator(t, { count: 120 })
  const items = await all(emu)
  const hi = items[10]?.start_time_unix_secs ?? 0
  const lo = items[60]?.start_time_unix_secs ?? 0
  const window = await all(emu, `&call_start_after_unix=${lo}&call_start_before_unix=${hi}`)
  t.same(window.map((c) => c.conversation_id), items.slice(10, 61).map((c) => c.conversation_id), 'exactly the calls in [after, before]')
  const paged = await page(emu, `page_size=7&call_start_after_unix=${lo}&call_start_before_unix=${hi}`)
  const next = await page(emu, `page_size=7&call_start_after_unix=${lo}&call_start_before_unix=${hi}&cursor=${paged.next_cursor ?? ''}`)
  t.same([...paged.conversations, ...next.conversations].map((c) => c.conversation_id), window.slice(0, 14).map((c) => c.conversation_id), 'cursor within a window')

  const outboundAgent = items.find((c) => c.direction === 'outbound')?.agent_id ?? ''
  const agentCalls = await all(emu, `&agent_id=${outboundAgent}`)
  t.equal(agentCalls.length, items.filter((c) => c.agent_id === outboundAgent).length)
  t.ok(agentCalls.length > 0 && agentCalls.every((c) => c.agent_id === outboundAgent))

  const settled = await all(emu, '&exclude_statuses=in-progress&exclude_statuses=processing')
  t.equal(settled.length, items.filter((c) => c.status !== 'in-progress' && c.status !== 'processing').length)
  t.ok(settled.length < items.length)

  const without = await page(emu, 'page_size=20')
  const withSummary = await page(emu, 'page_size=20&summary_mode=include')
  t.ok(without.conversations.every((c) => !('transcript_summary' in c)), 'exclude (default) leaves summaries out')
  t.ok(withSummary.conversations.filter((c) => c.status === 'done').every((c) => typeof c.transcript_summary === 'string' && c.transcript_summary.length > 20))
})

t.test('detail agrees with the list, and unknown ids are 404', async (t) => {
  const emu = await startEmulator(t, { count: 40 })
  const items = await all(emu)
  for (const item of items) {
    const res = await get(emu, `/v1/convai/conversations/${item.conversation_id}`)
    t.equal(res.status, 200)
    const c = res.body as Conversation
    t.equal(c.conversation_id, item.conversation_id)
    t.equal(c.status, item.status)
    t.equal(c.metadata.start_time_unix_secs, item.start_time_unix_secs)
    t.equal(c.metadata.call_duration_secs, item.call_duration_secs)
    t.equal(c.transcript.length, item.message_count)
    t.equal(c.agent_id, item.agent_id)
  }
  for (const id of ['conv_ffffffffffffffffffffffff', 'conv_nope', 'not-an-id']) {
    const res = await get(emu, `/v1/convai/conversations/${id}`)
    t.equal(res.status, 404, id)
    t.equal(res.body.detail.status, 'conversation_not_found')
  }
  const seededLike = items[0]?.conversation_id.slice(0, 13) + 'ffffffffffffffff'
  t.equal((await get(emu, `/v1/convai/conversations/${seededLike}`)).status, 404, 'a right index with the wrong tail')
})

t.test('audio: audio/mpeg bytes for calls that have audio, 404 otherwise', async (t) => {
  const emu = await startEmulator(t)
  const items = await all(emu)
  const done = items.find((c) => c.status === 'done' && c.message_count > 0)
  const running = items.find((c) => c.status === 'in-progress')
  const audio = await get(emu, `/v1/convai/conversations/${done?.conversation_id ?? ''}/audio`)
  t.equal(audio.status, 200)
  t.equal(audio.headers.get('content-type'), 'audio/mpeg')
  t.equal(Number(audio.headers.get('content-length')), audio.bytes.length)
  t.equal(audio.bytes.subarray(0, 3).toString('latin1'), 'ID3')
  t.equal(audio.bytes.length, 2000 * (done?.call_duration_secs ?? 0), '2 kB per second of call')
  const none = await get(emu, `/v1/convai/conversations/${running?.conversation_id ?? ''}/audio`)
  t.equal(none.status, 404, 'a call still running has no recording yet')
  t.equal((await get(emu, '/v1/convai/conversations/conv_ffffffffffffffffffffffff/audio')).status, 404)
})

t.test('seeded data is deterministic and realistic', async (t) => {
  const a = await startEmulator(t, { count: 400, seed: 7 })
  const b = await startEmulator(t, { count: 400, seed: 7 })
  const c = await startEmulator(t, { count: 400, seed: 8 })
  const itemsA = await all(a)
  t.same(itemsA, await all(b), 'same seed, same calls')
  t.notSame(itemsA.map((i) => i.conversation_id), (await all(c)).map((i) => i.conversation_id), 'another seed, other calls')
  const first = itemsA[0]?.conversation_id ?? ''
  t.same((await get(a, `/v1/convai/conversations/${first}`)).body, (await get(b, `/v1/convai/conversations/${first}`)).body)

  const details = await Promise.all(itemsA.map(async (i) => (await get(a, `/v1/convai/conversations/${i.conversation_id}`)).body as Conversation))
  const count = (pred: (c: Conversation) => boolean): number => details.filter(pred).length
  const statuses = count((d) => d.status === 'done')
  t.ok(statuses > 330, `mostly done (${statuses})`)
  t.ok(count((d) => d.status === 'failed') >= 10, 'some failed')
  t.ok(count((d) => d.status === 'in-progress') >= 1, 'a few in progress')
  t.ok(count((d) => d.status === 'processing') >= 1)
  t.ok(count((d) => d.metadata.phone_call?.type === 'twilio') > 150)
  t.ok(count((d) => d.metadata.phone_call?.type === 'sip_trunking') > 50)
  t.ok(count((d) => d.metadata.phone_call === null) > 40, 'web widget calls')
  t.ok(count((d) => d.metadata.phone_call?.direction === 'outbound') > 30)
  t.ok(count((d) => d.metadata.phone_call?.direction === 'inbound') > 150)
  const externals = details.flatMap((d) => d.metadata.phone_call?.external_number ?? [])
  t.ok(externals.filter((n) => /^\+573\d{9}$/.test(n)).length > externals.length * 0.6, 'mostly Colombian mobiles')
  t.ok(externals.some((n) => n.startsWith('+57607')), 'Santander landlines')
  t.ok(externals.some((n) => !n.startsWith('+57')), 'and foreign numbers')
  const done = details.filter((d) => d.status === 'done')
  t.ok(done.every((d) => d.transcript.length >= 3), 'several turns')
  t.ok(done.every((d) => typeof d.analysis?.transcript_summary === 'string'), 'analysis with a summary')
  t.ok(done.some((d) => d.transcript.some((turn) => /cita/.test(turn.message ?? ''))), 'in Spanish, about appointments')
  const starts = itemsA.map((i) => i.start_time_unix_secs)
  const spanDays = ((starts[0] ?? 0) - (starts[starts.length - 1] ?? 0)) / 86_400
  t.ok(spanDays > 90, `spread over months (${Math.round(spanDays)} days)`)
})

t.test('a large history is served without building it: seek by time, fetch any call', async (t) => {
  const emu = await startEmulator(t, { count: 1_000_000, seed: 3 })
  const newest = await page(emu, 'page_size=100')
  t.equal(newest.conversations.length, 100)
  const oldestStart = EMULATOR_NOW.getTime() / 1000 - 179 * 86_400
  const oldest = await page(emu, `page_size=100&call_start_before_unix=${Math.floor(oldestStart)}`)
  t.ok(oldest.conversations.length > 0)
  const deep = oldest.conversations[0]?.conversation_id ?? ''
  const detail = await get(emu, `/v1/convai/conversations/${deep}`)
  t.equal(detail.status, 200)
  t.equal(detail.body.conversation_id, deep)
})

t.test('calls added while paging: the cursor keeps its place (no repeats, no gaps)', async (t) => {
  const emu = await startEmulator(t, { count: 60 })
  const before = await all(emu)
  const p1 = await page(emu, 'page_size=25')
  for (let i = 0; i < 3; i++) emu.emulator.live.start()
  const p2 = await page(emu, `page_size=25&cursor=${p1.next_cursor ?? ''}`)
  const p3 = await page(emu, `page_size=25&cursor=${p2.next_cursor ?? ''}`)
  t.same([...p1.conversations, ...p2.conversations, ...p3.conversations].map((c) => c.conversation_id), before.map((c) => c.conversation_id))
  const after = await all(emu)
  t.equal(after.length, 63)
  t.ok(isNewestFirst(after))
  t.ok(after.slice(0, 3).every((c) => c.status === 'in-progress'), 'new calls first')
})

t.test('calls added at run time get fresh ids, unlike across restarts of the same seed', async (t) => {
  const a = buildEmulator({ count: 5, seed: 4, now: EMULATOR_NOW })
  const b = buildEmulator({ count: 5, seed: 4, now: EMULATOR_NOW })
  t.teardown(async () => { await a.close(); await b.close() })
  const idsA = [a.live.start().conversation_id, a.live.start().conversation_id]
  const idsB = [b.live.start().conversation_id, b.live.start().conversation_id]
  t.ok(idsA.every((id) => /^conv_[0-9a-f]{24}$/.test(id)))
  t.equal(new Set([...idsA, ...idsB]).size, 4, 'a restarted emulator never reuses a live id a database may hold')
})

t.test('built in code without listening: inject works, and state is reachable', async (t) => {
  const emulator = buildEmulator({ count: 5, seed: 2, now: EMULATOR_NOW, apiKey: 'k' })
  t.teardown(async () => { await emulator.close() })
  const res = await emulator.app.inject({ url: '/v1/convai/conversations', headers: { 'xi-api-key': 'k' } })
  t.equal(res.json().conversations.length, 5)
  t.equal(emulator.state.size, 5)
  t.equal(emulator.stats.count('list'), 1)
})
