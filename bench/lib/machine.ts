import { readFileSync } from 'node:fs'
import { cpus, platform, release, totalmem } from 'node:os'
import type { Knex } from 'knex'
import { isMysql } from '../../src/db/knex.js'

// What the numbers were measured on: they only compare within one run on one machine.

export interface Machine {
  cpu: string
  cores: number
  memoryGb: number
  os: string
  node: string
  database: string
  load: string
}

export async function describeMachine (knex: Knex): Promise<Machine> {
  let database: string
  if (isMysql(knex)) {
    const [rows] = await knex.raw("SELECT VERSION() AS v, @@innodb_buffer_pool_size AS pool") as [Array<{ v: string, pool: number | string }>]
    const row = rows[0]
    database = `MariaDB/MySQL ${row?.v ?? '?'} (innodb_buffer_pool_size ${Math.round(Number(row?.pool ?? 0) / 1024 / 1024)} MB)`
  } else {
    const rows = await knex.raw('SELECT sqlite_version() AS v') as Array<{ v: string }>
    database = `SQLite ${rows[0]?.v ?? '?'} (better-sqlite3, WAL)`
  }
  const load = loadAverage(3)
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 / 1024 / 1024),
    os: `${platform()} ${release()}`,
    node: process.version,
    database,
    load
  }
}

/** The machine's load averages (1, 5, 15 min; the first `n`). */
export function loadAverage (n = 1): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, n).join(' ')
  } catch {
    return '?'
  }
}
