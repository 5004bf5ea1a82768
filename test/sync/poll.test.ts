import t from 'tap'
import { SyncInProgressError } from '../../src/sync/types.js'
import { EMULATOR_NOW } from '../helpers/emulator.js'
import { listQueries, newestIds, syncSetup } from './helpers.js'

interface CallRow { status: string, transcript: string | null, ended_at: string | null }

t.test('a call stored in progress is updated to done with its transcript by the next poll', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 20 } })
  const live = emu.emulator.live.start({ channel: 'twilio' })
  const id = live.conversation_id
  t.equal((await (await engine.startManualSync({ limit: 5 })).done).status, 'success')
  const before = await db.knex('elevenlabs_calls').where({ conversation_id: id }).first() as CallRow
  t.equal(before.status, 'in_progress', 'stored while running')
  t.equal(before.ended_at, null)

  await emu.emulator.live.finish(id, { webhook: false })
  const run = await engine.pollOnce()
  t.equal(run.syncType, 'polling')
  t.equal(run.status, 'success')
  const after = await db.knex('elevenlabs_calls').where({ conversation_id: id }).first() as CallRow
  t.equal(after.status, 'done')
  t.not(after.ended_at, null)
  const turns = JSON.parse(after.transcript ?? '[]') as unknown[]
  const full = emu.emulator.state.get(id)?.script.turns.length
  t.equal(turns.length, full, 'the whole transcript')
})

t.test('stored calls still running are re-fetched even when they are older than the window', async (t) => {
  const { emu, db, engine } = await syncSetup(t, { emulator: { count: 20 }, env: { POLL_LOOKBACK_SECONDS: '0' } })
  const old = newestIds(emu, 15)[14] as string
  const spec = emu.emulator.state.get(old)
  if (spec === undefined) throw new Error('no such seeded call')
  emu.emulator.state.put({ ...spec, status: 'in-progress', spokenTurns: 2 })
  await (await engine.startManualSync({ limit: 20 })).done
  t.equal((await db.knex('elevenlabs_calls').where({ conversation_id: old }).first() as CallRow).status, 'in_progress')

  await emu.emulator.live.finish(old, { webhook: false })
  emu.emulator.stats.reset()
  const run = await engine.pollOnce()
  t.equal(run.status, 'success')
  const newest = emu.emulator.state.get(newestIds(emu, 1)[0] as string)?.startUnix
  t.equal(listQueries(emu)[0]?.get('call_start_after_unix'), String(newest), 'the window starts at the newest stored call (no lookback)')
  t.ok(Number(run.detail?.refetched) >= 1, 'unfinished calls re-fetched')
  const row = await db.knex('elevenlabs_calls').where({ conversation_id: old }).first() as CallRow
  t.equal(row.status, 'done')
  t.not(row.transcript, null)
})

t.test('the watermark never moves forward on a failed poll', async (t) => {
  // Live calls start on this clock: an hour after the seeded history ends.
  const clock = { now: EMULATOR_NOW.getTime() + 3_600_000 }
  const { emu, engine } = await syncSetup(t, { emulator: { count: 20, clock: () => clock.now }, env: { POLL_LOOKBACK_SECONDS: '600', ELEVENLABS_RETRY_LIMIT: '1' } })
  await (await engine.startManualSync({ limit: 5 })).done
  const newest = emu.emulator.state.get(newestIds(emu, 1)[0] as string)?.startUnix as number
  const first = await engine.pollOnce()
  t.equal(first.status, 'success')
  t.equal(first.detail?.since, newest - 600, 'no poll yet: the newest stored start minus the lookback')
  const watermark = first.detail?.nextSince as number
  t.equal(watermark, newest - 600)

  // A newer call arrives and is stored (by the head, a webhook, a manual run), then a poll fails.
  const live = emu.emulator.live.start()
  await (await engine.startManualSync({ limit: 3 })).done
  emu.emulator.faults.add({ endpoint: 'list', status: 503, times: 2 })
  const failed = await engine.pollOnce()
  t.equal(failed.status, 'failed')
  t.equal(failed.detail?.since, watermark, 'it used the last successful poll\'s watermark')
  t.equal(failed.detail?.nextSince, undefined, 'and leaves none of its own')

  emu.emulator.stats.reset()
  const next = await engine.pollOnce()
  t.equal(next.status, 'success')
  t.equal(next.detail?.since, watermark, 'the next poll starts where the last good one left off')
  t.equal(listQueries(emu)[0]?.get('call_start_after_unix'), String(watermark))
  t.equal(next.detail?.nextSince, Math.floor(clock.now / 1000) - 600, 'and, succeeding, moves it up to the new call')
  t.equal(emu.emulator.state.get(live.conversation_id)?.startUnix, Math.floor(clock.now / 1000))
})

t.test('a transient detail failure holds the watermark; a 404 does not', async (t) => {
  const clock = { now: EMULATOR_NOW.getTime() + 3_600_000 }
  const { emu, engine } = await syncSetup(t, { emulator: { count: 10, clock: () => clock.now }, env: { POLL_LOOKBACK_SECONDS: '0', ELEVENLABS_RETRY_LIMIT: '0' } })
  await (await engine.startManualSync({ limit: 10 })).done
  const first = await engine.pollOnce()
  const since = first.detail?.nextSince as number
  t.equal(since, emu.emulator.state.get(newestIds(emu, 1)[0] as string)?.startUnix)

  const live = emu.emulator.live.start()
  emu.emulator.faults.add({ endpoint: 'detail', conversationId: live.conversation_id, status: 503, times: 10 })
  const held = await engine.pollOnce()
  t.equal(held.status, 'success')
  t.equal(held.recordsFailed, 1)
  t.equal(held.detail?.nextSince, since, 'the call it could not read stays inside the next window')

  emu.emulator.faults.clear()
  clock.now += 60_000
  const gone = emu.emulator.live.start()
  emu.emulator.faults.add({ endpoint: 'detail', conversationId: gone.conversation_id, status: 404, times: 10 })
  const moved = await engine.pollOnce()
  t.equal(moved.status, 'success')
  t.equal(moved.recordsFailed, 1, 'the 404 is counted')
  t.equal(moved.detail?.nextSince, Math.floor(clock.now / 1000), 'but a call the API does not know cannot pin the watermark')
})

t.test('one poll at a time', async (t) => {
  const { emu, engine } = await syncSetup(t, { emulator: { count: 5 } })
  emu.emulator.faults.add({ endpoint: 'list', delayMs: 300 })
  const running = engine.pollOnce()
  await new Promise((resolve) => setTimeout(resolve, 100))
  await t.rejects(engine.pollOnce(), SyncInProgressError)
  t.equal((await running).status, 'success')
})
