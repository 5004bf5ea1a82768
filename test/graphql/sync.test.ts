import t from 'tap'
import { createSyncLogRepository } from '../../src/db/sync-log.js'
import { fromDbTime } from '../../src/db/time.js'
import { buildTestApp } from '../helpers/app.js'
import { emulatorEnv, startEmulator } from '../helpers/emulator.js'
import { ADMIN, count, emulatorRecords, gql, newestSpecs, store } from './helpers.js'

// syncCalls, syncRun, syncStats and call(conversationId) against the emulator.

const RUN = 'id syncType status recordsSynced recordsFailed errorMessage startedAt completedAt'

interface Run { id: string, syncType: string, status: string, recordsSynced: number, recordsFailed: number, errorMessage: string | null, startedAt: string, completedAt: string | null }

async function syncRun (app: Parameters<typeof gql>[0], id: string): Promise<Run | null> {
  const res = await gql(app, `query ($id: ID!) { syncRun(id: $id) { ${RUN} } }`, { id })
  return res.body.data?.syncRun as Run | null
}

async function finished (app: Parameters<typeof gql>[0], id: string): Promise<Run> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const run = await syncRun(app, id)
    if (run !== null && run.status !== 'in_progress') return run
    if (Date.now() > deadline) throw new Error(`run ${id} did not finish`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

t.test('syncCalls(wait: true) returns the finished run', async (t) => {
  const emu = await startEmulator(t, { count: 40 })
  const { app, db } = await buildTestApp(t, { ...emulatorEnv(emu), ADMIN_TOKEN: ADMIN, HYBRID_API_LIMIT: '0' })
  const res = await gql(app, `mutation { syncCalls(limit: 25, wait: true) { ${RUN} } }`, undefined, ADMIN)
  const run = res.body.data?.syncCalls as Run
  t.match(run, { syncType: 'manual', status: 'success', recordsSynced: 25, recordsFailed: 0, errorMessage: null })
  t.match(run.id, /^\d+$/)
  t.ok(Date.parse(run.completedAt as string) >= Date.parse(run.startedAt), 'completed after it started')
  t.equal(await count(db, 'elevenlabs_calls'), 25, 'the 25 newest calls are stored')
  const newest = newestSpecs(emu, 25).map((s) => s.conversationId).sort()
  const stored = (await db.knex('elevenlabs_calls').select('conversation_id') as Array<{ conversation_id: string }>).map((r) => r.conversation_id).sort()
  t.same(stored, newest)
  t.same(await syncRun(app, run.id), run, 'syncRun(id) reads the same run')
  const row = await db.knex('elevenlabs_sync_log').where({ id: Number(run.id) }).first() as { sync_trigger: string }
  t.equal(row.sync_trigger, 'graphql', 'logged as triggered from GraphQL')
  t.same(await syncRun(app, '999999'), null, 'an unknown run is null')
})

t.test('syncCalls(wait: false) returns the run in progress at once; poll it with syncRun', async (t) => {
  const emu = await startEmulator(t, { count: 40 })
  // Slow details keep the run going long enough to be seen in progress.
  emu.emulator.latency.detail = 50
  const { app, db } = await buildTestApp(t, { ...emulatorEnv(emu), ADMIN_TOKEN: ADMIN, HYBRID_API_LIMIT: '0' })
  const res = await gql(app, `mutation { syncCalls(limit: 30, wait: false) { ${RUN} } }`, undefined, ADMIN)
  const run = res.body.data?.syncCalls as Run
  t.match(run, { syncType: 'manual', status: 'in_progress', recordsFailed: 0, errorMessage: null, completedAt: null })

  t.test('a second sync while it runs: SYNC_IN_PROGRESS naming it, and nothing new runs', async (t) => {
    const again = await gql(app, 'mutation { syncCalls(limit: 5) { id } }', undefined, ADMIN)
    t.same(again, {
      status: 200,
      body: {
        data: null,
        errors: [{
          message: `Sync run ${run.id} is already running; poll syncRun(id: "${run.id}") and try again when it has finished`,
          locations: [{ line: 1, column: 12 }],
          path: ['syncCalls'],
          extensions: { runId: run.id, code: 'SYNC_IN_PROGRESS' }
        }]
      }
    })
    t.equal(await count(db, 'elevenlabs_sync_log'), 1, 'still one run')
  })

  const done = await finished(app, run.id)
  t.match(done, { id: run.id, status: 'success', recordsSynced: 30, recordsFailed: 0 })
  t.equal(await count(db, 'elevenlabs_calls'), 30)
  const next = await gql(app, 'mutation { syncCalls(limit: 5) { status } }', undefined, ADMIN)
  t.same(next.body, { data: { syncCalls: { status: 'success' } } }, 'once it finished, the next one runs')
})

t.test('syncCalls without ElevenLabs: SYNC_UNAVAILABLE', async (t) => {
  const { app, db } = await buildTestApp(t, { ADMIN_TOKEN: ADMIN })
  const res = await gql(app, 'mutation { syncCalls { id } }', undefined, ADMIN)
  t.same(res.body.errors?.map((e) => ({ code: e.extensions?.code, message: e.message })), [{ code: 'SYNC_UNAVAILABLE', message: 'ElevenLabs is not configured (set ELEVENLABS_API_KEY), so there is nothing to sync from' }])
  t.equal(await count(db, 'elevenlabs_sync_log'), 0)
})

t.test('syncStats: the numbers are the rows in the database', async (t) => {
  const emu = await startEmulator(t, { count: 60 })
  const { app, db } = await buildTestApp(t, { ...emulatorEnv(emu), ADMIN_TOKEN: ADMIN, HYBRID_API_LIMIT: '0' })
  await gql(app, 'mutation { syncCalls(limit: 40) { id } }', undefined, ADMIN)
  const log = createSyncLogRepository(db.knex)
  await log.create({ syncType: 'webhook', trigger: 'webhook', status: 'success', recordsSynced: 1, completed: true })
  await log.create({ syncType: 'polling', trigger: 'poll', status: 'failed', completed: true })
  await log.create({ syncType: 'webhook', trigger: 'webhook', status: 'failed', recordsFailed: 1, completed: true })
  await store(db, [{ conversationId: 'conv_extra_waiting', status: 'waiting' }])

  const res = await gql(app, `{ syncStats {
    totalCalls
    byStatus { status count }
    recentSyncs(limit: 50) { id syncType status recordsSynced recordsFailed }
    webhooks: recentSyncs(type: webhook) { id }
    lastWebhookAt
    lastSuccessfulSyncAt
  } }`)
  const total = await count(db, 'elevenlabs_calls')
  t.equal(total, 41)
  const byStatus = await db.knex('elevenlabs_calls').select('status').count({ n: '*' }).groupBy('status') as Array<{ status: string, n: number | string }>
  const runs = await db.knex('elevenlabs_sync_log').orderBy('id', 'desc') as Array<{ id: number, sync_type: string, status: string, records_synced: number, records_failed: number, sync_completed_at: string | null }>
  const latest = (rows: typeof runs): string | null => {
    const times = rows.map((r) => fromDbTime(r.sync_completed_at)?.getTime()).filter((n): n is number => n !== undefined)
    return times.length === 0 ? null : new Date(Math.max(...times)).toISOString()
  }
  t.same(res.body, {
    data: {
      syncStats: {
        totalCalls: total,
        byStatus: ['waiting', 'in_progress', 'done', 'failed'].map((status) => ({ status, count: Number(byStatus.find((r) => r.status === status)?.n ?? 0) })),
        recentSyncs: runs.map((r) => ({ id: String(r.id), syncType: r.sync_type, status: r.status, recordsSynced: r.records_synced, recordsFailed: r.records_failed })),
        webhooks: runs.filter((r) => r.sync_type === 'webhook').map((r) => ({ id: String(r.id) })),
        lastWebhookAt: latest(runs.filter((r) => r.sync_type === 'webhook')),
        lastSuccessfulSyncAt: latest(runs.filter((r) => r.status === 'success'))
      }
    }
  })
  t.equal(runs.length, 4)
  t.ok(byStatus.length >= 2, 'more than one status present')
})

t.test('call(conversationId): stored, else fetched from the API and stored, else null', async (t) => {
  const emu = await startEmulator(t, { count: 20 })
  const { app, db } = await buildTestApp(t, { ...emulatorEnv(emu), HYBRID_API_LIMIT: '0' })
  const [first, second] = emulatorRecords(emu).filter((c) => c.status === 'done' && c.callerNumber !== undefined)
  if (first === undefined || second === undefined) throw new Error('the seed has too few finished phone calls')
  await store(db, [first])
  const CALL = `query ($id: ID!) { call(conversationId: $id) {
    conversationId source status callerNumber calleeNumber durationSeconds recordingUrl transcript { role message }
  } }`
  const expect = (c: typeof first, source: string): Record<string, unknown> => ({
    conversationId: c.conversationId,
    source,
    status: c.status,
    callerNumber: c.callerNumber,
    calleeNumber: c.calleeNumber,
    durationSeconds: c.durationSeconds,
    recordingUrl: c.recordingUrl ?? null,
    transcript: (c.transcript ?? []).map((turn) => ({ role: turn.role, message: turn.message }))
  })

  t.same((await gql(app, CALL, { id: first.conversationId })).body, { data: { call: expect(first, 'db') } }, 'a stored call')
  t.equal(emu.emulator.stats.count('detail'), 0, 'without asking the API')

  t.same((await gql(app, CALL, { id: second.conversationId })).body, { data: { call: expect(second, 'api') } }, 'a call only the API has')
  t.equal(await count(db, 'elevenlabs_calls', { conversation_id: second.conversationId }), 1, 'is stored on the way')
  t.same((await gql(app, CALL, { id: second.conversationId })).body, { data: { call: expect(second, 'db') } }, 'and served from the database next time')

  t.same((await gql(app, CALL, { id: 'conv_unknown' })).body, { data: { call: null } }, 'unknown everywhere: null')
  const blank = await gql(app, CALL, { id: ' ' })
  t.same(blank.body.errors?.map((e) => e.extensions?.code), ['BAD_USER_INPUT'])

  emu.emulator.faults.add({ endpoint: 'detail', status: 503, times: 1 })
  const down = await gql(app, CALL, { id: 'conv_other_unknown' })
  t.same(down.body.errors?.map((e) => ({ code: e.extensions?.code, message: e.message })), [{ code: 'API_UNAVAILABLE', message: 'The call is not stored and the ElevenLabs API did not answer; try again later' }], 'the API failing is not "no such call"')
})

t.test('call(conversationId) without ElevenLabs: stored or null', async (t) => {
  const { app, db } = await buildTestApp(t)
  await store(db, [{ conversationId: 'conv_here', status: 'done', durationSeconds: 5 }])
  t.same((await gql(app, '{ here: call(conversationId: "conv_here") { conversationId source } missing: call(conversationId: "conv_missing") { conversationId } }')).body,
    { data: { here: { conversationId: 'conv_here', source: 'db' }, missing: null } })
})
