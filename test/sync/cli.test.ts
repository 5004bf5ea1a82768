import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { createLockRepository } from '../../src/db/locks.js'
import { createSyncLogRepository } from '../../src/db/sync-log.js'
import { createTestDb, type TestDb } from '../helpers/db.js'
import { startEmulator, type RunningEmulator } from '../helpers/emulator.js'
import { newestIds, rowCount, storedIds } from './helpers.js'

// The CLI as an operator runs it: a separate process, its own configuration from the
// environment, talking to the database and (here) the emulator over HTTP.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Result { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

function env (db: TestDb | null, emu: RunningEmulator | null, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    // No .env from the working tree: only what the test sets.
    DOTENV_CONFIG_PATH: '/nonexistent/.env',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ...(db === null ? {} : { DATABASE_URL: db.url }),
    ...(emu === null ? {} : { ELEVENLABS_API_KEY: emu.apiKey, ELEVENLABS_BASE_URL: emu.url, ELEVENLABS_RETRY_BASE_MS: '20', ELEVENLABS_RETRY_LIMIT: '1' }),
    ...extra
  }
}

function run (command: string, args: string[], childEnv: Record<string, string>, opts: { onStderr?: (text: string, kill: () => void) => void } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const guard = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      opts.onStderr?.(stderr, () => { child.kill('SIGKILL') })
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

async function cli (args: string[], childEnv: Record<string, string>, opts: Parameters<typeof run>[3] = {}): Promise<Result> {
  return await run(process.execPath, ['--import', 'tsx', 'src/cli/sync.ts', ...args], childEnv, opts)
}

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
  const bad = await run('scripts/sync-calls.sh', ['abc'], env(db, emu))
  t.equal(bad.code, 2)
  t.match(bad.stderr, /whole number .*got "abc"/)
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
