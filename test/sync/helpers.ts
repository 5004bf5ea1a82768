import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import appPlugin from '../../src/app.js'
import type { EmulatorOptions } from '../../src/emulator/emulator.js'
import { loadConfig, type Config } from '../../src/config.js'
import { clientOptionsFromConfig, createElevenLabsClient } from '../../src/elevenlabs/client.js'
import { settingsFromConfig, type SyncLogger, type SyncSettings } from '../../src/sync/context.js'
import { createSyncService } from '../../src/sync/service.js'
import type { SyncEngine } from '../../src/sync/types.js'
import { createTestDb, type TestDb } from '../helpers/db.js'
import { emulatorEnv, startEmulator, type RunningEmulator } from '../helpers/emulator.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export interface LogLine { level: string, msg: string, obj: object }

export interface SyncSetup {
  emu: RunningEmulator
  db: TestDb
  config: Config
  engine: SyncEngine
  logs: LogLine[]
}

export function captureLogger (logs: LogLine[]): SyncLogger {
  const at = (level: string) => (obj: object, msg: string): void => { logs.push({ level, msg, obj }) }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/**
 * The engine as the plugin builds it, over a fresh database and an emulator on real HTTP.
 * `db` and `emu` may be shared to stand for a second process on the same database.
 */
export async function syncSetup (t: Teardown, opts: {
  emulator?: EmulatorOptions
  emu?: RunningEmulator
  db?: TestDb
  env?: Record<string, string>
  settings?: Partial<SyncSettings>
  lockOwner?: string
} = {}): Promise<SyncSetup> {
  const db = opts.db ?? await createTestDb(t)
  const emu = opts.emu ?? await startEmulator(t, opts.emulator)
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url, ...emulatorEnv(emu), ...opts.env })
  const logs: LogLine[] = []
  const log = captureLogger(logs)
  const engine = createSyncService({
    knex: db.knex,
    client: createElevenLabsClient(clientOptionsFromConfig(config, log)),
    settings: settingsFromConfig(config, opts.settings),
    log,
    ...(opts.lockOwner === undefined ? {} : { lockOwner: opts.lockOwner })
  })
  t.teardown(async () => { await engine.close() })
  return { emu, db, config, engine, logs }
}

/** The emulator's newest `n` conversation ids, newest first. */
export function newestIds (emu: RunningEmulator, n: number): string[] {
  return emu.emulator.state.list({ pageSize: n }).specs.map((s) => s.conversationId)
}

export async function storedIds (db: TestDb): Promise<string[]> {
  const rows = await db.knex('elevenlabs_calls').select('conversation_id') as Array<{ conversation_id: string }>
  return rows.map((r) => r.conversation_id)
}

export async function rowCount (db: TestDb): Promise<number> {
  const row = await db.knex('elevenlabs_calls').count({ n: '*' }).first() as { n: number | string }
  return Number(row.n)
}

/** The query of each list request the emulator served, oldest first. */
export function listQueries (emu: RunningEmulator): URLSearchParams[] {
  return emu.emulator.stats.snapshot().recent
    .filter((r) => r.endpoint === 'list')
    .map((r) => new URL(r.url, 'http://x').searchParams)
}

/** Nothing personal in what the engine logged: no phone numbers, no transcript text. */
export function personalDataIn (logs: LogLine[]): string[] {
  return logs.map((l) => `${l.msg} ${JSON.stringify(l.obj)}`).filter((line) => /\+\d{7,}/.test(line) || /"message"|transcript"/.test(line))
}

/** Waits (bounded) for something the engine does in the background; fails the test if it never happens. */
export async function eventually (what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * The whole app as buildTestApp makes it, but registered without encapsulation so the test can
 * reach fastify.sync (buildTestApp's app is only reachable through inject).
 */
export async function buildOpenApp (t: Teardown, env: Record<string, string> = {}, opts: { db?: TestDb } = {}): Promise<{ app: FastifyInstance, db: TestDb }> {
  const db = opts.db ?? await createTestDb(t)
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', POLL_INTERVAL_SECONDS: '0', DATABASE_URL: db.url, ...env })
  const app = Fastify({ logger: false })
  await app.register(fp(appPlugin), { config, knex: db.knex })
  await app.ready()
  t.teardown(async () => { await app.close() })
  return { app, db }
}
