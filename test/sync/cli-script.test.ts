import t from 'tap'
import { createSyncLogRepository } from '../../src/db/sync-log.js'
import { createTestDb } from '../helpers/db.js'
import { startEmulator } from '../helpers/emulator.js'
import { cli, env, run } from './cli-helpers.js'
import { rowCount } from './helpers.js'

t.test('sync:initial defaults to 100; scripts/sync-calls.sh N is the same command', async (t) => {
  const db = await createTestDb(t)
  // Fewer calls than asked for: the run takes what there is.
  const emu = await startEmulator(t, { count: 40 })
  const initial = await cli(['initial'], env(db, emu))
  t.equal(initial.code, 0, initial.stderr)
  t.match(initial.stdout, /newest 100 calls: run \d+ succeeded: 40 synced/)
  t.equal((await createSyncLogRepository(db.knex).list({ limit: 1 }))[0]?.trigger, 'cli:initial')

  emu.emulator.live.start()
  const script = await run('scripts/sync-calls.sh', ['20'], env(db, emu))
  t.equal(script.code, 0, script.stderr)
  t.match(script.stdout, /newest 20 calls: run \d+ succeeded: 20 synced/)
  t.equal(await rowCount(db), 41, 'the new call added')
  const usage = await run('scripts/sync-calls.sh', [], env(db, emu))
  t.equal(usage.code, 2)
  t.match(usage.stderr, /usage: .*sync-calls\.sh <N>/)
})
