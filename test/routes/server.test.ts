import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

// The real entry point, as a process: what an operator sees.
const SERVER = join(import.meta.dirname, '../../src/server.ts')
// Resolved here: the child runs in a temp folder, where a bare 'tsx' would not be found.
const TSX = import.meta.resolve('tsx')

interface Run { code: number | null, stdout: string, stderr: string }

async function runServer (env: Record<string, string>, untilReady = false): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'ec-server-'))
  const child = spawn(process.execPath, ['--import', TSX, SERVER], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', POLL_INTERVAL_SECONDS: '0', DATABASE_URL: join(dir, 'calls.sqlite'), ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString()
    if (untilReady && stdout.includes('elevenlabs-calls is ready')) child.kill('SIGTERM')
  })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const [code] = await once(child, 'exit') as [number | null]
  clearTimeout(killer)
  rmSync(dir, { recursive: true, force: true })
  return { code, stdout, stderr }
}

t.test('a bad value stops the process before it listens, with one clear line', async (t) => {
  for (const [env, line] of [
    [{ PORT: 'abc' }, 'Configuration error: PORT: must be a whole number, got "abc"'],
    [{ CALLS_TIMEZONE: 'Nowhere/City' }, 'Configuration error: CALLS_TIMEZONE: unknown time zone "Nowhere/City" (use an IANA name such as America/Bogota)'],
    [{ DATABASE_URL: 'mysql://root@localhost' }, 'Configuration error: DATABASE_URL: has no database name (expected mysql://user:pass@host:3306/db)']
  ] as Array<[Record<string, string>, string]>) {
    const run = await runServer(env)
    t.equal(run.code, 1, `${line} exits 1`)
    t.equal(run.stderr.trim(), line)
    t.notMatch(run.stdout, /listening/)
  }
})

t.test('starts, applies migrations, and shuts down cleanly on SIGTERM', async (t) => {
  const run = await runServer({ ELEVENLABS_API_KEY: 'sk_secret_never_logged', ELEVENLABS_BASE_URL: 'http://127.0.0.1:9', ADMIN_TOKEN: 'admin-secret-never-logged' }, true)
  t.equal(run.code, 0, 'exit code 0 after SIGTERM')
  t.match(run.stdout, /applied database migrations/)
  t.match(run.stdout, /shutting down/)
  t.notMatch(run.stdout + run.stderr, /sk_secret_never_logged|admin-secret-never-logged/, 'no secret in the logs')
})

t.test('request logs carry no query string (a GraphQL GET may search for a phone number)', async (t) => {
  const { serializeRequest } = await import('../../src/logger.js')
  t.same(serializeRequest({ method: 'GET', url: '/graphql?query={calls(search:"+573001234567"){total}}', hostname: 'h', ip: '127.0.0.1' }),
    { method: 'GET', url: '/graphql?[redacted]', host: 'h', remoteAddress: '127.0.0.1', remotePort: undefined })
  t.equal(serializeRequest({ method: 'GET', url: '/health' }).url, '/health')
})
