import type { Knex } from 'knex'

// Calls per UTC day of started_at (day '0000-00-00' holds calls without a start), kept exact by
// every write. A deep offset page sums these newest-first to find the day its first row falls
// in and scans only from there, instead of walking hundreds of thousands of index entries.
export const NO_START_DAY = '0000-00-00'

export async function up (knex: Knex): Promise<void> {
  await knex.schema.createTable('elevenlabs_call_day_counts', (t) => {
    t.string('day', 10).primary()
    t.integer('calls').notNullable().defaultTo(0)
  })
  const mysql = knex.client.config.client === 'mysql2'
  const dayExpr = mysql
    ? `COALESCE(DATE_FORMAT(started_at, '%Y-%m-%d'), '${NO_START_DAY}')`
    : `COALESCE(substr(started_at, 1, 10), '${NO_START_DAY}')`
  await knex.raw(`INSERT INTO elevenlabs_call_day_counts (day, calls) SELECT ${dayExpr} AS d, COUNT(*) FROM elevenlabs_calls GROUP BY d`)
}

export async function down (knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('elevenlabs_call_day_counts')
}
