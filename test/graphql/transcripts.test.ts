import t from 'tap'
import type { CallRecord } from '../../src/db/types.js'
import { buildTestApp } from '../helpers/app.js'
import { emulatorEnv, startEmulator } from '../helpers/emulator.js'
import { emulatorRecords, gql, queriesDuring, store } from './helpers.js'

// Transcripts are the heavy column: a list page never reads them, and a page that asks for
// them reads all of its transcripts in one query.

/** Statements that read the transcript column (not ones that only test it for null). */
const transcriptReads = (sql: string[]): string[] => sql.filter((s) => {
  const columns = s.slice(0, s.toLowerCase().indexOf(' from ')).replace(/[`"\w.]*transcript[`"]? is (not )?null/gi, '').replace(/ as [`"]?has_transcript[`"]?/gi, '')
  return /^select\b/i.test(s) && /transcript/i.test(columns)
})

function calls (n: number): CallRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    conversationId: `conv_${String(i).padStart(3, '0')}`,
    status: 'done' as const,
    startedAt: new Date(Date.UTC(2025, 9, 1, 12, 0, i)),
    durationSeconds: 60,
    // Every third call has no transcript (a failed call that never spoke).
    transcript: i % 3 === 2 ? null : [{ role: 'agent', message: `hola ${i}`, time_in_call_secs: 0 }, { role: 'user', message: null, time_in_call_secs: 2.5 }]
  }))
}

t.test('20 calls with transcripts cost one transcript query', async (t) => {
  const { app, db } = await buildTestApp(t)
  await store(db, calls(25))
  let res: Awaited<ReturnType<typeof gql>> | undefined
  const sql = await queriesDuring(db, async () => {
    res = await gql(app, '{ calls(pageSize: 20) { data { conversationId transcript { role message timeInCallSecs } } } }')
  })
  t.equal(transcriptReads(sql).length, 1, 'one query for the page\'s transcripts')
  t.match(transcriptReads(sql)[0], /in \((\?, ){19}\?\)/, 'for all 20 calls at once')
  const expected = Array.from({ length: 20 }, (_, k) => {
    const i = 24 - k
    return {
      conversationId: `conv_${String(i).padStart(3, '0')}`,
      transcript: i % 3 === 2 ? null : [{ role: 'agent', message: `hola ${i}`, timeInCallSecs: 0 }, { role: 'user', message: null, timeInCallSecs: 2.5 }]
    }
  })
  t.same(res?.body, { data: { calls: { data: expected } } })
})

t.test('a page that does not ask for transcripts never reads them', async (t) => {
  const { app, db } = await buildTestApp(t)
  await store(db, calls(25))
  const sql = await queriesDuring(db, async () => {
    const res = await gql(app, '{ calls(pageSize: 20, page: 2) { data { conversationId summary callerNumber } } }')
    t.equal((res.body.data?.calls as { data: unknown[] }).data.length, 5)
  })
  t.same(sql.filter((s) => /transcript/i.test(s)), [], 'no statement mentions the transcript column')
})

t.test('with the live head on the page: still one transcript query, no API detail requests', async (t) => {
  const emu = await startEmulator(t, { count: 40 })
  const { app, db } = await buildTestApp(t, { ...emulatorEnv(emu), HEAD_CACHE_TTL_MS: '60000' })
  const all = emulatorRecords(emu)
  await store(db, all)
  // Warm the head (and its background write) so the measured request is a steady-state one.
  await gql(app, '{ calls { pagination { total } } }')
  emu.emulator.stats.reset()
  let res: Awaited<ReturnType<typeof gql>> | undefined
  const sql = await queriesDuring(db, async () => {
    res = await gql(app, '{ calls(pageSize: 20) { data { conversationId source transcript { role message } } } }')
  })
  t.equal(transcriptReads(sql).length, 1, 'one transcript read for the page')
  t.equal(emu.emulator.stats.count('detail'), 0, 'calls stored in full are not fetched from the API')
  const page = (res?.body.data?.calls as { data: Array<{ conversationId: string, source: string, transcript: Array<{ role: string, message: string | null }> | null }> }).data
  t.equal(page.length, 20)
  t.equal(page.filter((r) => r.source === 'api').length, 5)
  for (const row of page) {
    const rec = all.find((c) => c.conversationId === row.conversationId)
    const want = rec?.transcript === undefined || rec.transcript === null ? null : rec.transcript.map((turn) => ({ role: turn.role, message: turn.message }))
    t.same(row.transcript, want, `${row.conversationId} (${row.source})`)
  }
})
