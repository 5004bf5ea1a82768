import type { Knex } from 'knex'
import * as createCalls from '../../migrations/20251030000000_create_elevenlabs_calls.js'
import * as createSyncLog from '../../migrations/20251030000100_create_elevenlabs_sync_log.js'
import * as createLocksCounters from '../../migrations/20251030000200_create_sync_locks_and_counters.js'
import * as createDayCounts from '../../migrations/20251030000300_create_call_day_counts.js'
import * as coverDuration from '../../migrations/20251030000400_cover_duration_in_started_index.js'

interface Migration { up: (knex: Knex) => Promise<void>, down: (knex: Knex) => Promise<void> }

// Listed here rather than discovered on disk, so the same migrations run from TypeScript sources
// (tsx, tests) and from the compiled build without a loader for either.
const MIGRATIONS: Record<string, Migration> = {
  '20251030000000_create_elevenlabs_calls': createCalls,
  '20251030000100_create_elevenlabs_sync_log': createSyncLog,
  '20251030000200_create_sync_locks_and_counters': createLocksCounters,
  '20251030000300_create_call_day_counts': createDayCounts,
  '20251030000400_cover_duration_in_started_index': coverDuration
}

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = MIGRATIONS[name]
    if (migration === undefined) throw new Error(`unknown migration ${name}`)
    return migration
  }
}

const config: Knex.MigratorConfig = { migrationSource: source, tableName: 'knex_migrations' }

export async function migrateLatest (knex: Knex): Promise<string[]> {
  const [, applied] = await knex.migrate.latest(config) as [number, string[]]
  return applied
}

export async function rollbackAll (knex: Knex): Promise<string[]> {
  const [, rolled] = await knex.migrate.rollback(config, true) as [number, string[]]
  return rolled
}
