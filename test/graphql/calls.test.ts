import t from 'tap'
import { searchMatches } from '../../src/db/search.js'
import type { CallRecord } from '../../src/db/types.js'
import { buildTestApp } from '../helpers/app.js'
import { emulatorEnv, startEmulator } from '../helpers/emulator.js'
import { count, emulatorRecords, eventually, gql, newestSpecs, store } from './helpers.js'

// The hybrid list through GraphQL, against the emulator as the API: the head is the emulator's
// newest 5 calls, 3 of which the database does not hold yet, interleaved with stored calls.

const PAGE = `query Page($page: Int, $pageSize: Int, $search: String, $date: Date) {
  calls(page: $page, pageSize: $pageSize, search: $search, date: $date) {
    data { conversationId source }
    stats { totalConversations fromApi fromDatabase totalDurationMinutes apiStatus }
    pagination { page pageSize total totalPages }
  }
}`

interface Row { conversationId: string, source: 'api' | 'db' }
interface Page {
  data: Row[]
  stats: { totalConversations: number, fromApi: number, fromDatabase: number, totalDurationMinutes: number, apiStatus: string }
  pagination: { page: number, pageSize: number, total: number, totalPages: number }
}

async function setup (t: { teardown: (fn: () => unknown) => void }, env: Record<string, string> = {}) {
  const emu = await startEmulator(t, { count: 248 })
  const head = newestSpecs(emu, 5)
  const all = emulatorRecords(emu)
  const notStored = new Set([head[0], head[2], head[4]].map((s) => s?.conversationId as string))
  // Two calls only the database has (say, failed call initiations from webhooks), each sharing
  // a start second with a head call so the id decides the order: 'conv_~' sorts above every
  // conversation id and 'conv_0' below.
  const at = (i: number): Date => new Date((head[i]?.startUnix as number) * 1000)
  const dbOnly: CallRecord[] = [
    { conversationId: 'conv_~dbonly', status: 'failed', startedAt: at(2), durationSeconds: 60, callerNumber: '+573009998877', syncedFromApi: false },
    { conversationId: 'conv_0dbonly', status: 'failed', startedAt: at(4), durationSeconds: 120, callerNumber: '+573009998877', syncedFromApi: false }
  ]
  const { app, db } = await buildTestApp(t, { ...emulatorEnv(emu), HEAD_CACHE_TTL_MS: '60000', ...env })
  await store(db, [...all.filter((c) => !notStored.has(c.conversationId)), ...dbOnly])
  const headIds = new Set(head.map((s) => s.conversationId))
  const ids = all.map((c) => c.conversationId)
  // The expected union, by construction: the emulator's order with the two inserted.
  const order = [...ids]
  order.splice(order.indexOf(head[2]?.conversationId as string), 0, 'conv_~dbonly')
  order.splice(order.indexOf(head[4]?.conversationId as string) + 1, 0, 'conv_0dbonly')
  const union = [...all, ...dbOnly]
  return { emu, app, db, head, headIds, notStored, order, union }
}

async function page (app: Parameters<typeof gql>[0], variables: Record<string, unknown>): Promise<Page> {
  const res = await gql(app, PAGE, variables)
  if (res.body.errors !== undefined) throw new Error(JSON.stringify(res.body.errors))
  return res.body.data?.calls as Page
}

t.test('walking every page returns each call of head ∪ database once, in order', async (t) => {
  const { app, db, headIds, notStored, order, union } = await setup(t)
  t.equal(order.length, 250)
  t.equal(await count(db, 'elevenlabs_calls'), 247, '3 of the head calls are not stored yet')
  const minutes = Math.round(union.reduce((n, c) => n + (c.durationSeconds ?? 0), 0) / 60)
  for (const pageSize of [7, 20, 100]) {
    const totalPages = Math.ceil(250 / pageSize)
    const seen: Row[] = []
    for (let n = 1; n <= totalPages; n++) {
      const p = await page(app, { page: n, pageSize })
      t.same(p.pagination, { page: n, pageSize, total: 250, totalPages }, `pagination, page ${n} of ${pageSize}`)
      t.equal(p.stats.totalConversations, 250)
      t.equal(p.stats.apiStatus, 'ok')
      t.equal(p.stats.totalDurationMinutes, minutes, 'duration of the whole set')
      t.equal(p.stats.fromApi, p.data.filter((r) => r.source === 'api').length, 'fromApi counts this page')
      t.equal(p.stats.fromDatabase, p.data.filter((r) => r.source === 'db').length, 'fromDatabase counts this page')
      t.equal(p.data.length, Math.min(pageSize, 250 - (n - 1) * pageSize))
      seen.push(...p.data)
    }
    t.same(seen.map((r) => r.conversationId), order, `pages of ${pageSize}: every call once, newest first`)
    t.same(seen.filter((r) => r.source === 'api').map((r) => r.conversationId), order.filter((id) => headIds.has(id)), 'exactly the head is served from the API')
    const past = await page(app, { page: totalPages + 1, pageSize })
    t.same(past.data, [], 'past the last page: empty')
  }
  // The head's calls were stored in the background meanwhile, and paging stayed exact.
  await eventually('the head is stored', async () => await count(db, 'elevenlabs_calls') === 250)
  t.ok(notStored.size === 3)
})

t.test('the first page: sources, interleaving and what the head brings', async (t) => {
  const { app, head, emu } = await setup(t)
  const res = await gql(app, `{ calls(pageSize: 7) {
    data { conversationId source status callerNumber calleeNumber startedAt }
    stats { totalConversations fromApi fromDatabase apiStatus }
  } }`)
  const expectRow = (i: number): Record<string, unknown> => {
    const spec = head[i]
    const rec = emulatorRecords(emu).find((c) => c.conversationId === spec?.conversationId) as CallRecord
    return {
      conversationId: rec.conversationId,
      source: 'api',
      status: rec.status,
      callerNumber: rec.callerNumber ?? null,
      calleeNumber: rec.calleeNumber ?? null,
      startedAt: rec.startedAt?.toISOString()
    }
  }
  const dbRow = (id: string, at: number): Record<string, unknown> => ({
    conversationId: id,
    source: 'db',
    status: 'failed',
    callerNumber: '+573009998877',
    calleeNumber: null,
    startedAt: new Date((head[at]?.startUnix as number) * 1000).toISOString()
  })
  t.same(res, {
    status: 200,
    body: {
      data: {
        calls: {
          data: [expectRow(0), expectRow(1), dbRow('conv_~dbonly', 2), expectRow(2), expectRow(3), expectRow(4), dbRow('conv_0dbonly', 4)],
          stats: { totalConversations: 250, fromApi: 5, fromDatabase: 2, apiStatus: 'ok' }
        }
      }
    }
  })
})

t.test('search and date filter head and database alike', async (t) => {
  const { app, head, union } = await setup(t)
  const headCall = union.find((c) => c.conversationId === head[0]?.conversationId) as CallRecord
  // A head call's own number (not one of the agent lines every call shares).
  const phoneSpec = head.find((s) => s.channel !== 'web')
  if (phoneSpec === undefined) throw new Error('the seed has no phone call among the newest five')
  const phoneHead = union.find((c) => c.conversationId === phoneSpec.conversationId) as CallRecord
  const sortKey = (id: string): number => union.findIndex((c) => c.conversationId === id)
  const expectIds = (pred: (c: CallRecord) => boolean): string[] => union.filter(pred).map((c) => c.conversationId).sort((a, b) => sortKey(a) - sortKey(b))

  t.test('by conversation id prefix: a head call not stored yet', async (t) => {
    const p = await page(app, { search: headCall.conversationId.slice(0, 14) })
    t.same(p.data, [{ conversationId: headCall.conversationId, source: 'api' }])
    t.equal(p.stats.totalConversations, 1)
    t.equal(p.pagination.totalPages, 1)
  })

  t.test('by the last digits of a phone number, formatted any way', async (t) => {
    const digits = phoneSpec.externalNumber.replace(/\D/g, '').slice(-7)
    const expected = union.filter((c) => searchMatches(c, digits)).map((c) => c.conversationId)
    t.ok(expected.includes(phoneHead.conversationId))
    const p = await page(app, { search: `${digits.slice(0, 3)} ${digits.slice(3)}`, pageSize: 100 })
    t.same(p.data.map((r) => r.conversationId).sort(), [...expected].sort())
    t.equal(p.stats.totalConversations, expected.length)
    t.equal(p.data.find((r) => r.conversationId === phoneHead.conversationId)?.source, 'api')
  })

  t.test('by the shared test number: database-only calls', async (t) => {
    const p = await page(app, { search: '9998877' })
    t.same(p.data.map((r) => r.conversationId), ['conv_~dbonly', 'conv_0dbonly'])
  })

  t.test('by day (CALLS_TIMEZONE is UTC here)', async (t) => {
    const day = headCall.startedAt?.toISOString().slice(0, 10) as string
    const expected = expectIds((c) => c.startedAt?.toISOString().slice(0, 10) === day)
    t.ok(expected.length >= 1)
    const p = await page(app, { date: day, pageSize: 100 })
    t.same(p.data.map((r) => r.conversationId), expected)
    t.equal(p.stats.totalConversations, expected.length)
    const none = await page(app, { date: '2001-01-01' })
    t.same(none.data, [])
    t.equal(none.stats.totalConversations, 0)
    t.equal(none.pagination.totalPages, 0)
  })

  t.test('day and search together', async (t) => {
    const day = headCall.startedAt?.toISOString().slice(0, 10) as string
    const p = await page(app, { date: day, search: headCall.conversationId })
    t.same(p.data, [{ conversationId: headCall.conversationId, source: 'api' }])
    const other = await page(app, { date: '2001-01-01', search: headCall.conversationId })
    t.same(other.data, [])
  })
})

t.test('a head slower than API_TIMEOUT_MS: the page comes from the database, degraded', async (t) => {
  const { app, emu, order, notStored } = await setup(t, { API_TIMEOUT_MS: '150', HEAD_CACHE_TTL_MS: '0' })
  emu.emulator.latency.list = 3000
  const p = await page(app, { pageSize: 20 })
  const storedOrder = order.filter((id) => !notStored.has(id))
  t.same(p.data, storedOrder.slice(0, 20).map((id) => ({ conversationId: id, source: 'db' })))
  t.same(p.stats, { totalConversations: 247, fromApi: 0, fromDatabase: 20, totalDurationMinutes: p.stats.totalDurationMinutes, apiStatus: 'degraded' })
  t.same(p.pagination, { page: 1, pageSize: 20, total: 247, totalPages: 13 })
  emu.emulator.latency.list = 0
  // A cold head (list, then details) may itself need longer than 150 ms once: ask until it fits.
  let again = p
  await eventually('a page with the head again', async () => {
    again = await page(app, { pageSize: 20 })
    return again.stats.apiStatus === 'ok'
  })
  t.equal(again.stats.totalConversations, 250, 'with the head merged in')
})

t.test('a failing head (API 5xx): the page comes from the database, degraded', async (t) => {
  const { app, emu, order, notStored } = await setup(t, { HEAD_CACHE_TTL_MS: '0' })
  emu.emulator.faults.add({ endpoint: 'list', status: 503, times: 1 })
  const p = await page(app, { pageSize: 7 })
  t.same(p.data, order.filter((id) => !notStored.has(id)).slice(0, 7).map((id) => ({ conversationId: id, source: 'db' })))
  t.equal(p.stats.apiStatus, 'degraded')
  t.equal(p.stats.totalConversations, 247)
  t.equal(emu.emulator.stats.count('list'), 1, 'the head was asked')
  const again = await page(app, { pageSize: 7 })
  t.equal(again.stats.apiStatus, 'ok', 'a failure is not cached')
})

t.test('no ElevenLabs configured: the database alone, disabled', async (t) => {
  const { app, db } = await buildTestApp(t)
  await store(db, [{ conversationId: 'conv_a', status: 'done', startedAt: new Date('2025-10-01T10:00:00Z'), durationSeconds: 90 }])
  const res = await gql(app, PAGE, {})
  t.same(res, {
    status: 200,
    body: {
      data: {
        calls: {
          data: [{ conversationId: 'conv_a', source: 'db' }],
          stats: { totalConversations: 1, fromApi: 0, fromDatabase: 1, totalDurationMinutes: 2, apiStatus: 'disabled' },
          pagination: { page: 1, pageSize: 20, total: 1, totalPages: 1 }
        }
      }
    }
  })
})

t.test('a head call the head could not fetch in full gets its details once per request', async (t) => {
  const emu = await startEmulator(t, { count: 20 })
  const phoneCall = newestSpecs(emu, 5).find((s) => s.channel !== 'web')
  if (phoneCall === undefined) throw new Error('the seed has no phone call among the newest five')
  // The head's own detail request for it fails (no retries on the head client).
  emu.emulator.faults.add({ endpoint: 'detail', conversationId: phoneCall.conversationId, status: 503, times: 1 })
  const { app } = await buildTestApp(t, { ...emulatorEnv(emu), HEAD_CACHE_TTL_MS: '60000' })
  const res = await gql(app, `{ calls(search: "${phoneCall.conversationId}") {
    data { conversationId source callerNumber calleeNumber transcript { role } }
  } }`)
  const full = emulatorRecords(emu).find((c) => c.conversationId === phoneCall.conversationId) as CallRecord
  t.same(res.body, {
    data: {
      calls: {
        data: [{
          conversationId: phoneCall.conversationId,
          source: 'api',
          callerNumber: full.callerNumber,
          calleeNumber: full.calleeNumber,
          transcript: (full.transcript ?? []).map((turn) => ({ role: turn.role }))
        }]
      }
    }
  })
  const details = emu.emulator.stats.snapshot().recent.filter((r) => r.endpoint === 'detail' && r.url.includes(phoneCall.conversationId))
  t.same(details.map((r) => r.status), [503, 200], 'the head\'s failed request, then one request for all three fields')
})
