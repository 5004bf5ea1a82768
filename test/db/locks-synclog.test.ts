import t from 'tap'
import { createKnex } from '../../src/db/knex.js'
import { createLockRepository } from '../../src/db/locks.js'
import { createSyncLogRepository } from '../../src/db/sync-log.js'
import { createTestDb } from '../helpers/db.js'

t.test('lease lock: one holder at a time across store instances', async (t) => {
  const db = await createTestDb(t)
  // A second knex on the same database stands in for a second process.
  const other = createKnex(db.database)
  t.teardown(async () => { await other.destroy() })
  const a = createLockRepository(db.knex)
  const b = createLockRepository(other)

  const lease = await a.acquire('manual', 60_000, 7)
  t.ok(lease, 'first instance takes the lock')
  t.equal(await b.acquire('manual', 60_000), null, 'second instance is refused while the lease is live')
  t.match(await b.holder('manual'), { owner: lease?.owner, runId: 7 }, 'the holder and its run are visible to others')
  t.ok(await b.acquire('polling', 60_000), 'another kind is independent')

  t.equal(await lease?.renew(), true)
  await lease?.release()
  t.equal(await b.holder('manual'), null)
  const taken = await b.acquire('manual', 60_000)
  t.ok(taken, 'free again after release')
  t.equal(await lease?.renew(), false, 'the old holder knows it lost the lease')
  await lease?.release()
  t.ok(await b.holder('manual'), 'a stale release does not free someone else\'s lease')
  await taken?.release()
})

t.test('lease lock: an expired lease (crashed holder) can be taken over', async (t) => {
  const db = await createTestDb(t)
  const a = createLockRepository(db.knex)
  const b = createLockRepository(db.knex)
  const crashed = await a.acquire('backfill', 50)
  t.ok(crashed)
  await new Promise((resolve) => setTimeout(resolve, 120))
  t.equal(await b.holder('backfill'), null, 'expired lease has no live holder')
  t.ok(await b.acquire('backfill', 60_000), 'taken over')
  t.equal(await crashed?.renew(), false)
})

t.test('lease lock: concurrent acquirers, exactly one wins', async (t) => {
  const db = await createTestDb(t)
  const others = Array.from({ length: 4 }, () => createKnex(db.database))
  t.teardown(async () => { await Promise.all(others.map(async (k) => { await k.destroy() })) })
  const results = await Promise.all(others.map(async (k) => await createLockRepository(k).acquire('manual', 60_000)))
  t.equal(results.filter((r) => r !== null).length, 1)
})

t.test('sync log', async (t) => {
  const db = await createTestDb(t)
  const log = createSyncLogRepository(db.knex)
  const run = await log.create({ syncType: 'manual', trigger: 'cli', detail: { limit: 500 } })
  t.match(run, { syncType: 'manual', trigger: 'cli', status: 'in_progress', recordsSynced: 0, recordsFailed: 0, completedAt: null, detail: { limit: 500 } })
  t.ok(run.startedAt instanceof Date)

  await log.update(run.id, { recordsSynced: 100, checkpointCursor: 'cur_1' })
  t.match(await log.get(run.id), { recordsSynced: 100, checkpointCursor: 'cur_1', status: 'in_progress' })
  await log.update(run.id, { status: 'failed', recordsFailed: 2, errorMessage: 'upstream said\n503\n', completed: true })
  const failed = await log.get(run.id)
  t.match(failed, { status: 'failed', recordsFailed: 2, errorMessage: 'upstream said 503 ' })
  t.ok(failed?.completedAt instanceof Date)
  t.match(await log.latestResumable('cli'), { id: run.id })
  const later = await log.create({ syncType: 'manual', trigger: 'cli' })
  await log.update(later.id, { status: 'success', completed: true })
  t.equal(await log.latestResumable('cli'), null, 'a later success leaves nothing to resume')

  const hook = await log.create({ syncType: 'webhook', trigger: 'post_call_transcription', status: 'success', recordsSynced: 1, completed: true })
  const poll = await log.create({ syncType: 'polling', trigger: 'schedule' })
  t.same((await log.list({ limit: 10 })).map((r) => r.id), [poll.id, hook.id, later.id, run.id], 'newest first')
  t.same((await log.list({ type: 'webhook' })).map((r) => r.id), [hook.id], 'filtered by type')
  t.same((await log.list({ limit: 1 })).map((r) => r.id), [poll.id])
  t.ok(await log.lastCompletedAt({ type: 'webhook' }))
  t.equal(await log.lastCompletedAt({ type: 'polling', status: 'success' }), null)
  t.ok(await log.lastCompletedAt({ type: 'manual', status: 'success' }))

  t.equal(await log.failAbandoned(['polling', 'manual'], 'process restarted while running'), 1, 'only the polling run was still in progress')
  t.match(await log.get(poll.id), { status: 'failed', errorMessage: 'process restarted while running' })
  t.equal(await log.get(9999), null)
})
