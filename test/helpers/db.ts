import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import knexFactory, { type Knex } from 'knex'
import { parseDatabaseUrl, type DatabaseConfig } from '../../src/config.js'
import { createKnex } from '../../src/db/knex.js'
import { migrateLatest } from '../../src/db/migrate.js'

// Every test file gets a database of its own, so tap can run files in parallel:
// - SQLite (default): a fresh file in a temp folder;
// - MariaDB/MySQL when TEST_DATABASE_URL=mysql://root@127.0.0.1:3306/test: a fresh database on
//   that server, dropped afterwards. An unreachable server fails the test: it never skips.

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() === '' ? undefined : process.env.TEST_DATABASE_URL

export const dialect: 'sqlite' | 'mysql' = TEST_DATABASE_URL !== undefined && /^(mysql|mariadb):/.test(TEST_DATABASE_URL) ? 'mysql' : 'sqlite'

export interface TestDb {
  knex: Knex
  database: DatabaseConfig
  /** The DATABASE_URL value that points at this database. */
  url: string
  destroy: () => Promise<void>
}

interface Teardown { teardown: (fn: () => unknown) => void }

export async function createTestDb (t?: Teardown, opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const name = `ec_t_${process.pid}_${randomBytes(4).toString('hex')}`
  let db: TestDb
  if (dialect === 'mysql') {
    const base = new URL(TEST_DATABASE_URL as string)
    const admin = knexFactory({
      client: 'mysql2',
      connection: {
        host: base.hostname,
        port: base.port === '' ? 3306 : Number(base.port),
        user: decodeURIComponent(base.username),
        password: decodeURIComponent(base.password),
        connectTimeout: 5000
      },
      pool: { min: 0, max: 1 }
    })
    try {
      await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
    } catch (err) {
      await admin.destroy()
      throw new Error(`TEST_DATABASE_URL is set but MariaDB/MySQL is unreachable (${(err as Error).message})`)
    }
    const url = new URL(base.toString())
    url.pathname = `/${name}`
    const database = parseDatabaseUrl(url.toString())
    const knex = createKnex(database)
    db = {
      knex,
      database,
      url: url.toString(),
      destroy: async () => {
        await knex.destroy()
        await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``)
        await admin.destroy()
      }
    }
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'ec-test-'))
    const file = join(dir, `${name}.sqlite`)
    const database = parseDatabaseUrl(file)
    const knex = createKnex(database)
    db = {
      knex,
      database,
      url: file,
      destroy: async () => {
        await knex.destroy()
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
  if (opts.migrate !== false) await migrateLatest(db.knex)
  t?.teardown(db.destroy)
  return db
}
