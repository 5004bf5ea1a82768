import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import knexFactory, { type Knex } from 'knex'
import { parseDatabaseUrl, type DatabaseConfig } from '../../src/config.js'
import { createCallRepository, CALLS_TABLE } from '../../src/db/calls.js'
import { createKnex, isMysql } from '../../src/db/knex.js'
import { migrateLatest } from '../../src/db/migrate.js'
import { SYNC_LOG_TABLE } from '../../src/db/sync-log.js'
import { LOCKS_TABLE } from '../../src/db/locks.js'
import { DATASET_VERSION, generateRows, type CallRow } from './generate.js'

// The bench database: seeded once per size with batched multi-row inserts straight into the
// tables, then reused by later runs (a marker row records what was seeded). Before each run,
// whatever an earlier run added on top of the seeded rows (webhook deliveries, live-head calls)
// is removed, so every run measures the same data.

const MARKER_TABLE = 'bench_dataset'

export interface BenchDatabase {
  kind: 'sqlite' | 'mysql'
  /** DATABASE_URL for the server under test. */
  url: string
  database: DatabaseConfig
  knex: Knex
  close: () => Promise<void>
}

export interface DatasetInfo {
  rows: number
  /** The instant the newest seeded call starts before. */
  end: Date
  seeded: boolean
  /** Seeding time and rate of the run that seeded it (this one or an earlier one). */
  seedSeconds: number
  rowsPerSecond: number
  seededAt: Date
}

export function sqliteBenchFile (name: string): string {
  return resolve('bench/.tmp', `${name}.sqlite`)
}

async function ensureMysqlDatabase (url: string, drop: boolean): Promise<void> {
  const u = new URL(url)
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''))
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected bench database name "${name}"`)
  const admin = knexFactory({
    client: 'mysql2',
    connection: { host: u.hostname, port: u.port === '' ? 3306 : Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) },
    pool: { min: 0, max: 1 }
  })
  try {
    if (drop) await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``)
    await admin.raw(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  } finally {
    await admin.destroy()
  }
}

/** The bench database of `rows` calls (or the scratch database `name`), migrated. */
export async function openBenchDatabase (opts: { kind: 'sqlite' | 'mysql', rows: number, mysqlUrl: string, drop?: boolean, name?: string }): Promise<BenchDatabase> {
  let url: string
  if (opts.kind === 'mysql') {
    await ensureMysqlDatabase(opts.mysqlUrl, opts.drop === true)
    url = opts.mysqlUrl
  } else {
    url = sqliteBenchFile(opts.name ?? `bench-${opts.rows}`)
    mkdirSync(dirname(url), { recursive: true })
    if (opts.drop === true) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(url + suffix, { force: true })
    }
  }
  const database = parseDatabaseUrl(url)
  const knex = createKnex(database, { pool: { min: 0, max: 4 } })
  await migrateLatest(knex)
  return { kind: opts.kind, url, database, knex, close: async () => { await knex.destroy() } }
}

async function readMarker (knex: Knex): Promise<DatasetInfo | null> {
  if (!await knex.schema.hasTable(MARKER_TABLE)) return null
  const row = await knex(MARKER_TABLE).where({ name: 'calls' }).first() as Record<string, unknown> | undefined
  if (row === undefined || Number(row.version) !== DATASET_VERSION) return null
  return {
    rows: Number(row.rows),
    end: new Date(String(row.end_at)),
    seeded: false,
    seedSeconds: Number(row.seed_seconds),
    rowsPerSecond: Number(row.rows_per_second),
    seededAt: new Date(String(row.seeded_at))
  }
}

async function writeMarker (knex: Knex, info: DatasetInfo): Promise<void> {
  if (!await knex.schema.hasTable(MARKER_TABLE)) {
    await knex.schema.createTable(MARKER_TABLE, (t) => {
      t.string('name', 20).primary()
      t.integer('rows').notNullable()
      t.integer('version').notNullable()
      t.string('end_at', 40).notNullable()
      t.string('seeded_at', 40).notNullable()
      t.double('seed_seconds').notNullable()
      t.double('rows_per_second').notNullable()
    })
  }
  await knex(MARKER_TABLE).where({ name: 'calls' }).delete()
  await knex(MARKER_TABLE).insert({
    name: 'calls',
    rows: info.rows,
    version: DATASET_VERSION,
    end_at: info.end.toISOString(),
    seeded_at: info.seededAt.toISOString(),
    seed_seconds: info.seedSeconds,
    rows_per_second: info.rowsPerSecond
  })
}

/** Removes what earlier runs added on top of the seeded rows and resets the sync tables. */
export async function resetToSeed (knex: Knex, rows: number): Promise<number> {
  const extra = await knex(CALLS_TABLE).where('id', '>', rows).delete()
  await knex(SYNC_LOG_TABLE).delete()
  await knex(LOCKS_TABLE).delete()
  if (extra > 0) await createCallRepository(knex, { timeZone: 'UTC' }).recount()
  return extra
}

type Progress = (done: number, total: number) => void

async function insertSqlite (knex: Knex, batches: Generator<CallRow[]>, onBatch: (n: number) => void): Promise<void> {
  // The raw better-sqlite3 connection: one prepared multi-row INSERT reused for every full
  // batch, all in one transaction, is the fastest way SQLite takes rows.
  const conn = await (knex.client as { acquireConnection: () => Promise<unknown> }).acquireConnection() as {
    prepare: (sql: string) => { run: (...params: unknown[]) => unknown }
    exec: (sql: string) => void
  }
  try {
    const statements = new Map<number, { run: (...params: unknown[]) => unknown }>()
    let columns: string[] | null = null
    conn.exec('BEGIN')
    for (const batch of batches) {
      columns ??= Object.keys(batch[0] as CallRow)
      const cols = columns
      let stmt = statements.get(batch.length)
      if (stmt === undefined) {
        const tuple = `(${cols.map(() => '?').join(',')})`
        stmt = conn.prepare(`INSERT INTO ${CALLS_TABLE} (${cols.map((c) => `"${c}"`).join(',')}) VALUES ${Array(batch.length).fill(tuple).join(',')}`)
        statements.set(batch.length, stmt)
      }
      const params: unknown[] = []
      for (const row of batch) for (const c of cols) params.push(row[c])
      stmt.run(...params)
      onBatch(batch.length)
    }
    conn.exec('COMMIT')
  } finally {
    await (knex.client as { releaseConnection: (c: unknown) => Promise<void> }).releaseConnection(conn)
  }
}

/**
 * A MySQL literal for a generated value. mysql2's own formatting of 25,000 placeholders a batch
 * costs more CPU than generating the rows; the values here are only numbers, nulls and strings
 * without control characters, so escaping backslashes and quotes is enough.
 */
function sqlLiteral (value: string | number | null): string {
  if (value === null) return 'NULL'
  if (typeof value === 'number') return String(value)
  return `'${value.replace(/[\\']/g, '\\$&')}'`
}

async function insertMysql (knex: Knex, batches: Generator<CallRow[]>, onBatch: (n: number) => void): Promise<void> {
  // Two statements in flight on two connections: the next batch is generated while the server
  // writes the previous one. Each statement commits on its own (1,000 rows a commit): longer
  // transactions on two connections only make them wait on each other's locks.
  const lanes = 2
  const conns = await Promise.all(Array.from({ length: lanes }, async () => await (knex.client as { acquireConnection: () => Promise<unknown> }).acquireConnection())) as Array<{
    query: (sql: string, values: unknown[], cb: (err: Error | null) => void) => void
  }>
  const q = async (conn: (typeof conns)[number], sql: string, values: unknown[] = []): Promise<void> => {
    // The error without its SQL: a failed batch would otherwise print a thousand rows.
    await new Promise<void>((resolve, reject) => {
      conn.query(sql, values, (err) => { err === null ? resolve() : reject(new Error(`seeding insert failed: ${err.message.slice(0, 300)}`)) })
    })
  }
  try {
    for (const c of conns) {
      await q(c, 'SET SESSION unique_checks = 0')
      await q(c, 'SET SESSION foreign_key_checks = 0')
    }
    const inFlight: Array<Promise<void> | undefined> = Array(lanes).fill(undefined)
    let lane = 0
    let columns: string[] | null = null
    for (const batch of batches) {
      columns ??= Object.keys(batch[0] as CallRow)
      const cols = columns
      let sql = `INSERT INTO \`${CALLS_TABLE}\` (${cols.map((c) => `\`${c}\``).join(',')}) VALUES `
      for (let r = 0; r < batch.length; r++) {
        const row = batch[r] as CallRow
        sql += r === 0 ? '(' : ',('
        for (let i = 0; i < cols.length; i++) {
          if (i > 0) sql += ','
          sql += sqlLiteral(row[cols[i] as string] ?? null)
        }
        sql += ')'
      }
      await inFlight[lane]
      const conn = conns[lane] as (typeof conns)[number]
      const n = batch.length
      inFlight[lane] = (async () => {
        await q(conn, sql)
        onBatch(n)
      })()
      lane = (lane + 1) % lanes
    }
    await Promise.all(inFlight)
  } finally {
    for (const c of conns) await (knex.client as { releaseConnection: (c: unknown) => Promise<void> }).releaseConnection(c)
  }
}

interface IndexColumn { name: string, unique: boolean, column: string, subPart: number | null, desc: boolean }

async function mysqlIndexes (knex: Knex): Promise<IndexColumn[]> {
  const [rows] = await knex.raw(`SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS col, SUB_PART AS subPart, COLLATION AS coll
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY'
    ORDER BY INDEX_NAME, SEQ_IN_INDEX`, [CALLS_TABLE]) as [Array<Record<string, unknown>>]
  return rows.map((r) => ({ name: String(r.name), unique: Number(r.nonUnique) === 0, column: String(r.col), subPart: r.subPart === null ? null : Number(r.subPart), desc: r.coll === 'D' }))
}

/**
 * Loads the table with its secondary indexes dropped, then builds them again in one pass: a
 * sorted index build is many times faster than a million random inserts into six B-trees (the
 * conversation ids and phone digits arrive in no order). The indexes are put back exactly as
 * the migrations made them (checked).
 */
async function withoutSecondaryIndexes (knex: Knex, log: (line: string) => void, load: () => Promise<void>): Promise<void> {
  if (isMysql(knex)) {
    const before = await mysqlIndexes(knex)
    const names = [...new Set(before.map((i) => i.name))]
    if (names.length > 0) await knex.raw(`ALTER TABLE \`${CALLS_TABLE}\` ${names.map((n) => `DROP INDEX \`${n}\``).join(', ')}`)
    await load()
    log(`seeding: building ${names.length} indexes`)
    const clauses = names.map((n) => {
      const cols = before.filter((i) => i.name === n)
      const list = cols.map((c) => `\`${c.column}\`${c.subPart === null ? '' : `(${c.subPart})`}${c.desc ? ' DESC' : ''}`).join(', ')
      return `ADD ${cols[0]?.unique === true ? 'UNIQUE ' : ''}INDEX \`${n}\` (${list})`
    })
    if (clauses.length > 0) await knex.raw(`ALTER TABLE \`${CALLS_TABLE}\` ${clauses.join(', ')}`)
    if (JSON.stringify(await mysqlIndexes(knex)) !== JSON.stringify(before)) throw new Error('seeding: the rebuilt indexes differ from the migrated ones')
    return
  }
  const list = async (): Promise<Array<{ name: string, sql: string }>> =>
    await knex.raw("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name", [CALLS_TABLE]) as Array<{ name: string, sql: string }>
  const before = await list()
  for (const i of before) await knex.raw(`DROP INDEX "${i.name}"`)
  await load()
  log(`seeding: building ${before.length} indexes`)
  for (const i of before) await knex.raw(i.sql)
  if (JSON.stringify(await list()) !== JSON.stringify(before)) throw new Error('seeding: the rebuilt indexes differ from the migrated ones')
}

/**
 * Makes sure the bench database holds exactly the dataset of `rows` calls: reuses it when the
 * marker says so, otherwise (or with `reseed`) rebuilds it from scratch.
 */
export async function ensureDataset (db: BenchDatabase, opts: { rows: number, reseed: boolean, mysqlUrl: string, onProgress?: Progress, log: (line: string) => void }): Promise<{ db: BenchDatabase, info: DatasetInfo }> {
  const marker = opts.reseed ? null : await readMarker(db.knex)
  if (marker !== null && marker.rows === opts.rows) {
    const count = Number((await db.knex(CALLS_TABLE).where('id', '<=', opts.rows).count({ n: '*' }).first() as { n: number | string }).n)
    if (count === opts.rows) {
      const extra = await resetToSeed(db.knex, opts.rows)
      opts.log(`dataset: reusing ${opts.rows.toLocaleString('en-US')} seeded calls (${db.kind}${extra > 0 ? `, removed ${extra} rows added by an earlier run` : ''})`)
      return { db, info: marker }
    }
  }

  // Start from an empty database so ids run 1..rows (resetToSeed relies on it).
  await db.close()
  const fresh = await openBenchDatabase({ kind: db.kind, rows: opts.rows, mysqlUrl: opts.mysqlUrl, drop: true })
  if (fresh.kind === 'sqlite' && !existsSync(fresh.url)) throw new Error(`bench database ${fresh.url} was not created`)
  // Ends a little before now: the emulator's live head is then newer than every stored call.
  const end = new Date(Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000)
  const batchSize = fresh.kind === 'mysql' ? 1000 : 200
  const started = process.hrtime.bigint()
  let done = 0
  const onBatch = (n: number): void => {
    done += n
    opts.onProgress?.(done, opts.rows)
  }
  const batches = generateRows({ rows: opts.rows, end }, batchSize)
  await withoutSecondaryIndexes(fresh.knex, opts.log, async () => {
    if (fresh.kind === 'mysql') await insertMysql(fresh.knex, batches, onBatch)
    else await insertSqlite(fresh.knex, batches, onBatch)
  })
  await createCallRepository(fresh.knex, { timeZone: 'UTC' }).recount()
  if (isMysql(fresh.knex)) await fresh.knex.raw(`ANALYZE TABLE \`${CALLS_TABLE}\``)
  else await fresh.knex.raw('ANALYZE')
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const info: DatasetInfo = { rows: opts.rows, end, seeded: true, seedSeconds: seconds, rowsPerSecond: opts.rows / seconds, seededAt: new Date() }
  await writeMarker(fresh.knex, info)
  return { db: fresh, info }
}
