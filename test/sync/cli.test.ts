import t from 'tap'
import { createLockRepository } from '../../src/db/locks.js'
import { createSyncLogRepository } from '../../src/db/sync-log.js'
import { createTestDb } from '../helpers/db.js'
import { startEmulator } from '../helpers/emulator.js'
import { cli, env } from './cli-helpers.js'
import { newestIds, rowCount, storedIds } from './helpers.js'

// The CLI as an operator runs it: a separate process, its own configuration from the
// environment, talking to the database and (here) the emulator over HTTP.

t.test('bad arguments: exit 2 with a clear message and the usage', async (t) => {
  // Every rule is in cli-args.test.ts; these are the seed's examples, end to end.
  const cases: Array<[string[], RegExp]> = [
    [['calls', 'abc'], /whole number .*got "abc"/],
    [['calls', '0'], /from 1 to .*got 0/],
    [['calls', '-5'], /whole number .*got "-5"/]
  ]
  await Promise.all(cases.map(async ([args, message]) => {
    const r = await cli(args, env(null, null))
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`)
    t.match(r.stderr, message, `${args.join(' ')}: says what is wrong`)
    t.match(r.stderr, /usage:/)
    t.equal(r.stdout, '')
  }))
})

t.test('configuration problems: exit 2, one line naming the variable', async (t) => {
  const db = await createTestDb(t)
  const noKey = await cli(['calls', '5'], env(db, null))
  t.equal(noKey.code, 2)
  t.match(noKey.stderr, /ELEVENLABS_API_KEY is not set/)
  const badPort = await cli(['calls', '5'], env(db, null, { PORT: 'abc' }))
  t.equal(badPort.code, 2)
  t.match(badPort.stderr, /^Configuration error: PORT: /m)
  t.equal(await rowCount(db), 0)
})

t.test('sync:calls 50: plain progress lines off a TTY, a one-line summary, exit 0', async (t) => {
  const db = await createTestDb(t)
  const emu = await startEmulator(t, { count: 80 })
  const r = await cli(['calls', '50'], env(db, emu))
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^sync of the newest 50 calls: run \d+ succeeded: 50 synced, 0 failed in [\d.]+s\n$/)
  t.match(r.stderr, /sync: page 1, 50\/50 calls, 1 page, 0 failed\n/)
  t.notMatch(r.stderr, /\r|\x1b\[/, 'no terminal control codes when not on a TTY')
  t.notMatch(r.stdout + r.stderr, new RegExp(emu.apiKey), 'the key is never printed')
  t.same((await storedIds(db)).sort(), newestIds(emu, 50).sort())
  const [logged] = await createSyncLogRepository(db.knex).list({ limit: 1 })
  t.equal(logged?.trigger, 'cli')
  t.equal(logged?.status, 'success')
})

t.test('a failed run exits 1 with its error in the summary', async (t) => {
  const db = await createTestDb(t)
  const emu = await startEmulator(t, { count: 20 })
  emu.emulator.faults.add({ endpoint: 'list', status: 503, times: 2 })
  const r = await cli(['calls', '10'], env(db, emu))
  t.equal(r.code, 1)
  t.match(r.stdout, /run \d+ failed after 0 synced, 0 failed in [\d.]+s: ELEVENLABS_UPSTREAM \(HTTP 503\)/)
  t.equal((await createSyncLogRepository(db.knex).list({ limit: 1 }))[0]?.status, 'failed')
})

t.test('a run of the same kind going on elsewhere: exit 1, naming it', async (t) => {
  const db = await createTestDb(t)
  const emu = await startEmulator(t, { count: 20 })
  const other = await createSyncLogRepository(db.knex).create({ syncType: 'manual', trigger: 'graphql' })
  const lease = await createLockRepository(db.knex, { owner: 'server' }).acquire('sync-manual', 60_000, other.id)
  t.teardown(async () => { await lease?.release() })
  const r = await cli(['calls', '10'], env(db, emu))
  t.equal(r.code, 1)
  t.match(r.stderr, new RegExp(`a manual sync is already running \\(run ${other.id}\\)`))
  t.equal(emu.emulator.stats.count(), 0, 'nothing asked of the API')
})
