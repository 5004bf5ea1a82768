import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'

// `npm start` with no API key, outside production: the in-process emulator, and an empty
// database filled from it once so a newcomer has a history to page through.
const emulatorEnv = { NODE_ENV: 'development', EMULATOR_PORT: '0', EMULATOR_CALLS: '30', EMULATOR_LIVE_INTERVAL_SECONDS: '0' }

async function until (check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

t.test('an empty database is filled from the emulator once', async (t) => {
  const db = await createTestDb(t)
  const first = await buildTestApp(t, emulatorEnv, { db })
  t.equal(first.app.elevenlabsMode, 'emulator')
  await until(async () => (await first.app.store.syncLog.list({ type: 'manual' })).some((r) => r.status !== 'in_progress'), 'the first-start backfill')
  const [run] = await first.app.store.syncLog.list({ type: 'manual' })
  t.match(run, { status: 'success', recordsSynced: 30 })
  t.equal((await first.app.store.calls.stats()).total, 30)
  await first.app.close()

  const second = await buildTestApp(t, emulatorEnv, { db })
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal((await second.app.store.syncLog.list({ type: 'manual' })).length, 1, 'a database with calls is left alone')
})

t.test('never with a real API', async (t) => {
  const { app } = await buildTestApp(t, { NODE_ENV: 'development', ELEVENLABS_API_KEY: 'k', ELEVENLABS_BASE_URL: 'http://127.0.0.1:9' })
  t.equal(app.elevenlabsMode, 'api')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.same(await app.store.syncLog.list({ type: 'manual' }), [])
})
