import t from 'tap'
import { createSyncLogRepository } from '../../src/db/sync-log.js'
import { createTestDb } from '../helpers/db.js'
import { startEmulator } from '../helpers/emulator.js'
import { cli, env } from './cli-helpers.js'
import { newestIds, rowCount, storedIds } from './helpers.js'

// A real crash: the backfill process is killed with SIGKILL, so it can neither record its end
// nor release its lock. The next one must find the run, its checkpoint and the lease.

t.test('sync:all killed after page 3 is resumed by the next sync:all: every call exactly once', async (t) => {
  const db = await createTestDb(t)
  const emu = await startEmulator(t, { count: 350 })
  // Page 4 takes a while, so the kill lands after page 3 is committed and before page 4 is.
  emu.emulator.faults.add({ endpoint: 'list', skip: 3, delayMs: 3000 })
  const killed = await cli(['all'], env(db, emu, { ELEVENLABS_TIMEOUT_MS: '20000' }), {
    onStderr: (text, kill) => { if (text.includes('backfill: page 3,')) kill() }
  })
  t.equal(killed.signal, 'SIGKILL')
  t.equal(await rowCount(db), 300)
  const syncLog = createSyncLogRepository(db.knex)
  const [crashed] = await syncLog.list({ limit: 1 })
  t.equal(crashed?.status, 'in_progress', 'a killed process cannot say it stopped')
  t.type(crashed?.checkpointCursor, 'string')

  // Its lease runs out (here: at once, instead of waiting the 30 s it was taken for).
  await db.knex('elevenlabs_sync_locks').where({ name: 'sync-backfill' }).update({ expires_at: '2000-01-01 00:00:00.000' })
  const resumed = await cli(['all'], env(db, emu))
  t.equal(resumed.code, 0, resumed.stderr)
  t.match(resumed.stdout, new RegExp(`^backfill: run \\d+ succeeded: 50 synced, 0 failed in [\\d.]+s, resumed from run ${crashed?.id}\\n$`))
  t.equal((await syncLog.get(crashed?.id ?? 0))?.status, 'failed', 'the crashed run is marked failed when the next one starts')
  const ids = await storedIds(db)
  t.equal(ids.length, 350, 'nothing duplicated')
  t.same([...ids].sort(), newestIds(emu, 350).sort(), 'nothing lost')
})
