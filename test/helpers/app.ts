import Fastify, { type FastifyInstance } from 'fastify'
import app from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { createTestDb, type TestDb } from './db.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export interface TestApp {
  app: FastifyInstance
  db: TestDb
  config: Config
}

/**
 * The real app on a fresh test database, ready for inject(). `env` is layered over a quiet
 * test environment exactly as the process environment would be.
 */
export async function buildTestApp (t: Teardown, env: Record<string, string | undefined> = {}, opts: { db?: TestDb, listen?: boolean } = {}): Promise<TestApp> {
  const db = opts.db ?? await createTestDb(t)
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', POLL_INTERVAL_SECONDS: '0', DATABASE_URL: db.url, ...env })
  const fastify = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
  await fastify.register(app, { config, knex: db.knex })
  if (opts.listen === true) await fastify.listen({ port: 0, host: '127.0.0.1' })
  else await fastify.ready()
  t.teardown(async () => { await fastify.close() })
  return { app: fastify, db, config }
}
