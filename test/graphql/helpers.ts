import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import app from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createCallRepository } from '../../src/db/calls.js'
import type { CallRecord } from '../../src/db/types.js'
import { callFromConversation } from '../../src/elevenlabs/mapping.js'
import { conversationOf, type CallSpec } from '../../src/emulator/data.js'
import { loggerOptions } from '../../src/logger.js'
import { createTestDb, type TestDb } from '../helpers/db.js'
import type { RunningEmulator } from '../helpers/emulator.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export interface GqlResponse {
  status: number
  body: { data?: Record<string, unknown> | null, errors?: Array<{ message: string, extensions?: Record<string, unknown>, path?: unknown[] }> }
}

/** One GraphQL request over HTTP (inject), optionally with a bearer token. */
export async function gql (fastify: FastifyInstance, query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResponse> {
  const res = await fastify.inject({
    method: 'POST',
    url: '/graphql',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    payload: variables === undefined ? { query } : { query, variables }
  })
  return { status: res.statusCode, body: res.json() }
}

export const ADMIN = 'admin-token-0123456789abcdef'
export const READER = 'read-token-0123456789abcdef'

/** The emulator's newest `n` calls, newest first. */
export function newestSpecs (emu: RunningEmulator, n: number): CallSpec[] {
  return emu.emulator.state.list({ pageSize: n }).specs
}

/** Every emulator call as the store would hold it after a full sync. */
export function emulatorRecords (emu: RunningEmulator): CallRecord[] {
  const out: CallRecord[] = []
  for (let page = emu.emulator.state.list({ pageSize: 1000 }); ; ) {
    out.push(...page.specs.map((s) => callFromConversation(conversationOf(s))))
    if (!page.hasMore) break
    const last = page.specs[page.specs.length - 1] as CallSpec
    page = emu.emulator.state.list({ pageSize: 1000, cursor: { start: last.startUnix, id: last.conversationId } })
  }
  return out
}

export async function store (db: TestDb, calls: CallRecord[], timeZone = 'UTC'): Promise<void> {
  await createCallRepository(db.knex, { timeZone }).upsertMany(calls)
}

export async function count (db: TestDb, table: string, where: Record<string, unknown> = {}): Promise<number> {
  const row = await db.knex(table).where(where).count({ n: '*' }).first() as { n: number | string }
  return Number(row.n)
}

/** SQL statements the app's knex runs while `fn` does. */
export async function queriesDuring (db: TestDb, fn: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = []
  const listener = (q: { sql: string }): void => { statements.push(q.sql) }
  db.knex.on('query', listener)
  try {
    await fn()
  } finally {
    db.knex.off('query', listener)
  }
  return statements
}

/** Waits (bounded) for something that happens in the background; fails the test if it never does. */
export async function eventually (what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export interface LoggedApp { app: FastifyInstance, db: TestDb, lines: Array<Record<string, unknown>> }

/**
 * The real app (as buildTestApp makes it) with its log captured as JSON lines, at `level`, with
 * the production redaction rules: for what the service logs at startup and on errors.
 */
export async function buildLoggedApp (t: Teardown, env: Record<string, string | undefined> = {}, level = 'warn'): Promise<LoggedApp> {
  const db = await createTestDb(t)
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: level, POLL_INTERVAL_SECONDS: '0', DATABASE_URL: db.url, ...env })
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    }
  })
  const options = loggerOptions(config)
  const fastify = Fastify({ logger: { ...(typeof options === 'object' ? options : {}), stream }, bodyLimit: 1024 * 1024 })
  await fastify.register(app, { config, knex: db.knex })
  await fastify.ready()
  t.teardown(async () => { await fastify.close() })
  return { app: fastify, db, lines }
}
