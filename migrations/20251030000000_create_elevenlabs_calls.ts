import type { Knex } from 'knex'

// The seed's table, plus: agent_name and has_audio (from the API), reversed phone digits for
// index-friendly suffix search, and the indexes the list, search and sync paths use.
export async function up (knex: Knex): Promise<void> {
  const mysql = knex.client.config.client === 'mysql2'
  await knex.schema.createTable('elevenlabs_calls', (t) => {
    t.increments('id').primary()
    // Ids and digit keys compare byte-wise so prefix search can be an index range on every dialect.
    const id = (name: string): Knex.ColumnBuilder => {
      const col = t.string(name, 100)
      return mysql ? col.collate('utf8mb4_bin') : col
    }
    id('conversation_id').notNullable().unique('uq_calls_conversation_id')
    id('call_id')
    t.string('agent_id', 100)
    t.string('agent_name', 255)
    t.string('caller_number', 50)
    t.string('callee_number', 50)
    id('caller_digits_rev')
    id('callee_digits_rev')
    t.enu('status', ['done', 'in_progress', 'failed', 'waiting']).notNullable()
    t.enu('call_direction', ['inbound', 'outbound'])
    t.string('call_type', 50)
    t.datetime('started_at', { precision: 3 })
    t.datetime('ended_at', { precision: 3 })
    t.integer('duration_seconds')
    t.text('transcript', 'longtext')
    t.text('analysis', 'longtext')
    t.text('summary')
    t.text('metadata', 'longtext')
    t.string('end_reason', 100)
    t.string('recording_url', 500)
    t.boolean('has_audio').notNullable().defaultTo(false)
    t.boolean('synced_from_api').notNullable().defaultTo(true)
    t.datetime('last_synced_at', { precision: 3 })
    t.datetime('created_at', { precision: 3 })
    t.datetime('updated_at', { precision: 3 })

    // Newest-first listing, keyset paging and deferred joins walk this one.
    t.index(['started_at', 'conversation_id'], 'idx_calls_started')
    t.index(['caller_digits_rev'], 'idx_calls_caller_digits')
    t.index(['callee_digits_rev'], 'idx_calls_callee_digits')
    t.index(['call_id'], 'idx_calls_call_id')
    t.index(['status'], 'idx_calls_status')
  })
}

export async function down (knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('elevenlabs_calls')
}
