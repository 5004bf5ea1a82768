import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { buildService } from '../lib/build.js'
import { freePort, startTs, waitReady, type Child } from '../lib/procs.js'
import type { BenchContext } from './context.js'

// The processes a run drives, all on loopback: the emulator (the live head's API), the server
// under test (src/server.ts as `npm start` runs it, configured by environment), and the
// reference server (bench/reference/server.ts) over the same database and emulator.

export const CALLS_TIMEZONE = 'America/Bogota'

/** The node flags of package.json's start script (`node <flags> dist/src/server.js`). */
export function startNodeFlags (): string[] {
  const pkg = JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { scripts?: Record<string, string> }
  const words = (pkg.scripts?.start ?? '').split(/\s+/)
  if (words[0] !== 'node') throw new Error(`the start script no longer runs node directly: ${pkg.scripts?.start ?? '(none)'}`)
  return words.slice(1).filter((w) => w.startsWith('--'))
}

export interface Environment {
  emulator: { url: string, child: Child, apiKey: string }
  server: { url: string, child: Child }
  reference: { url: string, child: Child }
  webhookSecret: string
  adminToken: string
  /** The environment the server was started with (for the backfill CLI, minus what differs). */
  serverEnv: Record<string, string>
  /** Where the server and the CLI run from: the sources (tsx) or their compiled copy. */
  serviceRoot: string
  runtime: string
  /** The server's memory after start-up and after each scenario. */
  memory: Array<{ after: string, rssMb: number, hwmMb: number }>
}

export function recordMemory (env: Environment, after: string): void {
  const m = env.server.child.sample()
  if (m !== null) env.memory.push({ after, rssMb: m.rssMb, hwmMb: m.hwmMb })
}

export async function startEmulator (name: string, opts: { calls: number, latencyMs: number, apiKey: string }): Promise<{ url: string, child: Child }> {
  const port = await freePort()
  const child = startTs(name, 'bench/lib/emulator-main.ts', {
    BENCH_EMULATOR_PORT: String(port),
    BENCH_EMULATOR_CALLS: String(opts.calls),
    BENCH_EMULATOR_LATENCY_MS: String(opts.latencyMs),
    BENCH_EMULATOR_KEY: opts.apiKey
  })
  const url = `http://127.0.0.1:${port}`
  await waitReady(child, `${url}/_emulator`)
  return { url, child }
}

export async function emulatorStats (url: string): Promise<{ list: number, detail: number, audio: number }> {
  const res = await fetch(`${url}/_emulator/stats`)
  const body = await res.json() as { requests: { list: number, detail: number, audio: number } }
  return body.requests
}

export async function resetEmulatorStats (url: string): Promise<void> {
  await (await fetch(`${url}/_emulator/stats/reset`, { method: 'POST' })).arrayBuffer()
}

export async function startEnvironment (ctx: BenchContext): Promise<Environment> {
  const apiKey = `bench-${randomBytes(8).toString('hex')}`
  const emulator = await startEmulator('emulator', { calls: 250, latencyMs: 0, apiKey })
  // Five finished calls that start now: the live head is newer than every stored call.
  await (await fetch(`${emulator.url}/_emulator/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: ctx.opts.headCalls }) })).arrayBuffer()

  const webhookSecret = `wsec_${randomBytes(16).toString('hex')}`
  const adminToken = randomBytes(24).toString('hex')
  const [serverPort, referencePort] = [await freePort(), await freePort()]
  const common: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    // BENCH_SERVER_LOG_LEVEL=info logs every request with its responseTime (diagnosis only).
    LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? 'warn',
    DATABASE_URL: ctx.db.url,
    ELEVENLABS_API_KEY: apiKey,
    ELEVENLABS_BASE_URL: emulator.url,
    ELEVENLABS_WEBHOOK_SECRET: webhookSecret,
    ADMIN_TOKEN: adminToken,
    POLL_INTERVAL_SECONDS: '0',
    CALLS_TIMEZONE,
    HYBRID_API_LIMIT: '5',
    HEAD_CACHE_TTL_MS: String(ctx.opts.headCacheTtlMs)
  }
  const serverEnv = { ...common, PORT: String(serverPort) }
  // The node flags `npm start` gives the server, then BENCH_SERVER_NODE_ARGS (e.g. --cpu-prof,
  // to see where a missed target's time goes).
  const nodeArgs = [...startNodeFlags(), ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')]
  let serviceRoot = ctx.opts.srcDir
  let runtime = 'node --import tsx (TypeScript sources)'
  let ext = 'ts'
  if (!ctx.opts.tsx) {
    const built = await buildService(ctx.opts.srcDir, resolve('bench/.tmp/build'))
    serviceRoot = built.root
    runtime = `node ${nodeArgs.join(' ')}, compiled with ${built.tool} in ${built.seconds.toFixed(1)} s (as npm start runs it)`
    ext = 'js'
  }
  const server = startTs('server', `${serviceRoot}/server.${ext}`, serverEnv, [], nodeArgs)
  server.sampleMemory(100)
  const reference = startTs('reference', 'bench/reference/server.ts', { ...common, PORT: String(referencePort) })
  const serverUrl = `http://127.0.0.1:${serverPort}`
  const referenceUrl = `http://127.0.0.1:${referencePort}`
  // The server applies pending migrations before it listens: on a big table that can take a while.
  await waitReady(server, `${serverUrl}/health`, 300_000)
  await waitReady(reference, `${referenceUrl}/health`)
  return {
    emulator: { ...emulator, apiKey },
    server: { url: serverUrl, child: server },
    reference: { url: referenceUrl, child: reference },
    webhookSecret,
    adminToken,
    serverEnv,
    serviceRoot,
    runtime,
    memory: []
  }
}

/**
 * Waits until the server answers /health quickly again: a scenario that ends with requests still
 * queued (200 clients stopped mid-flight) must not bill them to the next one.
 */
export async function settle (env: Environment, timeoutMs = 30_000): Promise<number> {
  const started = Date.now()
  let quick = 0
  while (quick < 3 && Date.now() - started < timeoutMs) {
    const t0 = Date.now()
    try {
      await (await fetch(`${env.server.url}/health`, { signal: AbortSignal.timeout(timeoutMs) })).arrayBuffer()
    } catch {}
    quick = Date.now() - t0 < 20 ? quick + 1 : 0
    if (quick < 3) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return Date.now() - started
}
