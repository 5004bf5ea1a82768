import t from 'tap'
import { migrateLatest, rollbackAll } from '../../src/db/migrate.js'
import { createCallRepository } from '../../src/db/calls.js'
import { createTestDb } from '../helpers/db.js'

t.test('migrations apply, roll back and apply again', async (t) => {
  const db = await createTestDb(t, { migrate: false })
  const applied = await migrateLatest(db.knex)
  t.same(applied, [
    '20251030000000_create_elevenlabs_calls',
    '20251030000100_create_elevenlabs_sync_log',
    '20251030000200_create_sync_locks_and_counters',
    '20251030000300_create_call_day_counts',
    '20251030000400_cover_duration_in_started_index'
  ])
  t.same(await migrateLatest(db.knex), [], 'nothing pending the second time')
  for (const table of ['elevenlabs_calls', 'elevenlabs_sync_log', 'elevenlabs_sync_locks', 'elevenlabs_call_counters', 'elevenlabs_call_day_counts']) {
    t.ok(await db.knex.schema.hasTable(table), table)
  }
  const columns = Object.keys(await db.knex('elevenlabs_calls').columnInfo())
  for (const col of ['conversation_id', 'call_id', 'agent_id', 'caller_number', 'callee_number', 'status', 'call_direction', 'call_type',
    'started_at', 'ended_at', 'duration_seconds', 'transcript', 'analysis', 'summary', 'metadata', 'end_reason', 'recording_url',
    'synced_from_api', 'last_synced_at', 'created_at', 'updated_at', 'agent_name', 'caller_digits_rev', 'callee_digits_rev']) {
    t.ok(columns.includes(col), `elevenlabs_calls.${col}`)
  }

  t.equal((await rollbackAll(db.knex)).length, 5)
  t.notOk(await db.knex.schema.hasTable('elevenlabs_calls'))
  t.notOk(await db.knex.schema.hasTable('elevenlabs_call_counters'))
  t.equal((await migrateLatest(db.knex)).length, 5)
})

t.test('the counters migration starts from the rows already there', async (t) => {
  const db = await createTestDb(t, { migrate: false })
  await migrateLatest(db.knex)
  const calls = createCallRepository(db.knex, { timeZone: 'UTC' })
  await calls.upsertMany([
    { conversationId: 'a', status: 'done', durationSeconds: 10 },
    { conversationId: 'b', status: 'failed', durationSeconds: 5 },
    { conversationId: 'c', status: 'done', durationSeconds: 1 }
  ])
  // Re-run only the counters migration by hand, on existing data.
  const m = await import('../../migrations/20251030000200_create_sync_locks_and_counters.js')
  await m.down(db.knex)
  await m.up(db.knex)
  t.same((await calls.stats()).byStatus, [
    { status: 'waiting', count: 0 }, { status: 'in_progress', count: 0 }, { status: 'done', count: 2 }, { status: 'failed', count: 1 }
  ])
  t.equal((await calls.stats()).durationSeconds, 16)
})
