import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import knexFactory, { type Knex } from 'knex'
import type { DatabaseConfig } from '../config.js'

export type Db = Knex

/**
 * One knex instance per process. Both dialects hand dates back as strings and store them as UTC
 * text ('YYYY-MM-DD HH:MM:SS.sss'), so nothing depends on the server's or the database's zone.
 */
export function createKnex (db: DatabaseConfig, opts: { pool?: { min: number, max: number } } = {}): Knex {
  if (db.client === 'mysql') {
    const url = new URL(db.url)
    return knexFactory({
      client: 'mysql2',
      connection: {
        host: url.hostname,
        port: url.port === '' ? 3306 : Number(url.port),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: decodeURIComponent(url.pathname.replace(/^\//, '')),
        timezone: 'Z',
        dateStrings: true,
        supportBigNumbers: true,
        charset: 'utf8mb4',
        connectTimeout: 5000
      },
      pool: {
        min: opts.pool?.min ?? 0,
        max: opts.pool?.max ?? 10,
        afterCreate (conn: { query: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, conn: unknown) => void) {
          // NOW() and CURRENT_TIMESTAMP must be UTC too.
          conn.query("SET time_zone = '+00:00'", (err) => { done(err, conn) })
        }
      },
      acquireConnectionTimeout: 5000
    })
  }
  const filename = db.filename ?? ':memory:'
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true })
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate (conn: { pragma: (s: string) => unknown, prepare: (sql: string) => unknown }, done: (err: Error | null, conn: unknown) => void) {
        try {
          cachePreparedStatements(conn)
          if (filename !== ':memory:') conn.pragma('journal_mode = WAL')
          conn.pragma('synchronous = NORMAL')
          conn.pragma('busy_timeout = 5000')
          conn.pragma('foreign_keys = ON')
          done(null, conn)
        } catch (err) {
          done(err as Error, conn)
        }
      }
    }
  })
}

// knex prepares every query anew, and for the long upsert statement preparing is most of its
// cost on SQLite. Statements are kept by their SQL text (SQLite re-prepares a kept one by itself
// after a schema change). Bounded, oldest out first.
const STATEMENT_CACHE_SIZE = 500

function cachePreparedStatements (conn: { prepare: (sql: string) => unknown }): void {
  const prepare = conn.prepare.bind(conn)
  const cache = new Map<string, unknown>()
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql)
    if (statement === undefined) {
      statement = prepare(sql)
      cache.set(sql, statement)
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string)
    }
    return statement
  }
}

export function isMysql (knex: Knex): boolean {
  return knex.client.config.client === 'mysql2'
}

/** A write that lost a race (deadlock, lock wait, busy file): the same transaction may be retried. */
export function isRetryableWriteError (err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY'
}

/**
 * Runs `work` in a transaction, and again from the start when it loses a race to a concurrent
 * writer (see isRetryableWriteError), up to `attempts` times in all, with a growing jittered pause.
 */
export async function transactionWithRetry<T> (knex: Knex, work: (trx: Knex.Transaction) => Promise<T>, opts: { attempts: number, backoffMs: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await knex.transaction(work)
    } catch (err) {
      if (attempt >= opts.attempts || !isRetryableWriteError(err)) throw err
      await new Promise((resolve) => setTimeout(resolve, opts.backoffMs * attempt + Math.random() * opts.backoffMs * 4))
    }
  }
}
