import t from 'tap'
import { createLockRepository } from '../../src/db/locks.js'
import { createSyncLogRepository } from '../../src/db/sync-log.js'
import { SyncUnavailableError } from '../../src/sync/errors.js'
import { createTestDb } from '../helpers/db.js'
import { emulatorEnv, startEmulator } from '../helpers/emulator.js'
import { buildOpenApp, eventually, rowCount } from './helpers.js'

t.test('at startup, runs left in progress by a stopped process are marked failed; live ones are not', async (t) => {
  const db = await createTestDb(t)
  const syncLog = createSyncLogRepository(db.knex)
  const crashed = await syncLog.create({ syncType: 'manual', trigger: 'cli' })
  const crashedPoll = await syncLog.create({ syncType: 'polling', trigger: 'poll' })
  // A backfill another process is running right now: its lease is live.
  const live = await syncLog.create({ syncType: 'manual', trigger: 'backfill' })
  const lease = await createLockRepository(db.knex, { owner: 'other-process' }).acquire('sync-backfill', 60_000, live.id)
  t.ok(lease !== null)
  const webhook = await syncLog.create({ syncType: 'webhook', trigger: 'post_call_transcription' })

  await buildOpenApp(t, {}, { db })
  const after = async (id: number): Promise<string | undefined> => (await syncLog.get(id))?.status
  t.equal(await after(crashed.id), 'failed')
  t.match((await syncLog.get(crashed.id))?.errorMessage, /abandoned/)
  t.equal(await after(crashedPoll.id), 'failed')
  t.equal(await after(live.id), 'in_progress', 'its lock is held: it is running elsewhere')
  t.equal(await after(webhook.id), 'in_progress', 'webhook rows are not the engine\'s')
})

t.test('the app runs syncs through fastify.sync, and closing it stops a run cleanly', async (t) => {
  const emu = await startEmulator(t, { count: 300 })
  const { app, db } = await buildOpenApp(t, emulatorEnv(emu, { HYBRID_API_LIMIT: '5' }))
  const done = await (await app.sync.startManualSync({ limit: 120, trigger: 'test' })).done
  t.equal(done.status, 'success')
  t.equal(await rowCount(db), 120)
  t.equal((await app.sync.head.get()).length, 5)

  // The second page is slow; the app closes while it is read.
  emu.emulator.faults.add({ endpoint: 'list', skip: 1, delayMs: 500 })
  let pages = 0
  const started = await app.sync.startManualSync({ limit: 300, onProgress: (p) => { pages = p.pages } })
  await eventually('the first page is committed', async () => pages >= 1)
  await app.close()
  const run = await started.done
  t.equal(run.status, 'failed', 'never left in progress')
  t.match(run.errorMessage, /shutting down/)
  t.equal(run.recordsSynced, 100, 'what was committed stays; the page being read is dropped')
  t.equal(await rowCount(db), 120, 'the first page was the same newest 100')
  const lock = await db.knex('elevenlabs_sync_locks').where({ name: 'sync-manual' }).first() as { owner: string | null }
  t.equal(lock.owner, null, 'and its lock released')
})

t.test('POLL_INTERVAL_SECONDS polls on a timer, logged as type polling, until the app closes', async (t) => {
  const emu = await startEmulator(t, { count: 20 })
  const { app, db } = await buildOpenApp(t, emulatorEnv(emu, { POLL_INTERVAL_SECONDS: '1' }))
  const polls = async (): Promise<number> => Number((await db.knex('elevenlabs_sync_log').where({ sync_type: 'polling' }).count({ n: '*' }).first() as { n: number | string }).n)
  await eventually('a poll has run', async () => await polls() >= 1)
  const run = await db.knex('elevenlabs_sync_log').where({ sync_type: 'polling' }).first() as Record<string, unknown>
  await eventually('it has finished', async () => (await db.knex('elevenlabs_sync_log').where({ id: run.id }).first() as { status: string }).status !== 'in_progress')
  t.equal((await db.knex('elevenlabs_sync_log').where({ id: run.id }).first() as { status: string }).status, 'success')
  await app.close()
  const count = await polls()
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(await polls(), count, 'no poll after close')
})

t.test('POLL_INTERVAL_SECONDS=0 never polls', async (t) => {
  const emu = await startEmulator(t, { count: 5 })
  const { app } = await buildOpenApp(t, emulatorEnv(emu, { POLL_INTERVAL_SECONDS: '0' }))
  t.ok(app.hasDecorator('sync'))
  await new Promise((resolve) => setTimeout(resolve, 1200))
  t.equal(emu.emulator.stats.count(), 0, 'not a single request')
})

t.test('without ElevenLabs (tests, no key) every run is refused with a clear error', async (t) => {
  const { app } = await buildOpenApp(t, {})
  t.equal(app.elevenlabsMode, 'disabled')
  await t.rejects(app.sync.startManualSync({ limit: 5 }), SyncUnavailableError)
  await t.rejects(app.sync.startBackfill(), SyncUnavailableError)
  await t.rejects(app.sync.pollOnce(), SyncUnavailableError)
  await t.rejects(app.sync.head.get(), SyncUnavailableError)
})
