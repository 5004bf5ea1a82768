import type { Knex } from 'knex'

// sync_locks: a lease per kind of run, so one run of a kind at a time across processes, and a
// crashed holder's lease simply expires.
// call_counters: per-status totals kept in step with every write, so an unfiltered page never
// has to COUNT(*) a million rows.
export async function up (knex: Knex): Promise<void> {
  await knex.schema.createTable('elevenlabs_sync_locks', (t) => {
    t.string('name', 50).primary()
    t.string('owner', 100)
    t.integer('run_id')
    t.datetime('acquired_at', { precision: 3 })
    t.datetime('expires_at', { precision: 3 })
  })
  await knex.schema.createTable('elevenlabs_call_counters', (t) => {
    t.string('status', 20).primary()
    t.bigInteger('calls').notNullable().defaultTo(0)
    t.bigInteger('duration_seconds').notNullable().defaultTo(0)
  })
  const existing = await knex('elevenlabs_calls')
    .select('status')
    .count({ calls: '*' })
    .sum({ duration: 'duration_seconds' })
    .groupBy('status') as Array<{ status: string, calls: number | string, duration: number | string | null }>
  await knex('elevenlabs_call_counters').insert(['waiting', 'in_progress', 'done', 'failed'].map((status) => {
    const row = existing.find((r) => r.status === status)
    return { status, calls: Number(row?.calls ?? 0), duration_seconds: Number(row?.duration ?? 0) }
  }))
}

export async function down (knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('elevenlabs_call_counters')
  await knex.schema.dropTableIfExists('elevenlabs_sync_locks')
}
