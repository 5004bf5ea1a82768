import type { Knex } from 'knex'

// The seed's audit table, plus what a resumable, observable run needs: what started it, a
// checkpoint cursor for backfills, free-form detail, and a heartbeat.
export async function up (knex: Knex): Promise<void> {
  await knex.schema.createTable('elevenlabs_sync_log', (t) => {
    t.increments('id').primary()
    t.enu('sync_type', ['webhook', 'polling', 'manual']).notNullable()
    t.string('sync_trigger', 100)
    t.integer('records_synced').notNullable().defaultTo(0)
    t.integer('records_failed').notNullable().defaultTo(0)
    t.text('error_message')
    t.datetime('sync_started_at', { precision: 3 }).notNullable()
    t.datetime('sync_completed_at', { precision: 3 })
    t.enu('status', ['success', 'failed', 'in_progress']).notNullable()
    t.string('checkpoint_cursor', 1000)
    t.text('detail')
    t.datetime('heartbeat_at', { precision: 3 })

    t.index(['sync_type', 'id'], 'idx_sync_log_type')
    t.index(['status', 'sync_trigger'], 'idx_sync_log_status')
  })
}

export async function down (knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('elevenlabs_sync_log')
}
