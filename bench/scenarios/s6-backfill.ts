import { CALLS_TABLE } from '../../src/db/calls.js'
import { createSyncLogRepository } from '../../src/db/sync-log.js'
import { BACKFILL_TRIGGER } from '../../src/sync/walk.js'
import { openBenchDatabase } from '../lib/dataset.js'
import { startTs } from '../lib/procs.js'
import { addRow, num, ratio, table } from '../lib/report.js'
import type { Scenario } from './context.js'
import { emulatorStats, startEmulator } from './env.js'

// Scenario 6: a full backfill (`npm run sync:all`, the real CLI) of an emulator holding N calls
// that answers every request after a fixed latency, into an empty database. Every call needs its
// detail, so the detail fetches bound the rate: at most `concurrency` requests in flight of
// `latency` ms each = concurrency × 1000 / latency calls per second. The run's own sync log row
// gives the time (process start-up and migrations excluded).

const RATIO_TARGET = 0.8

export const scenario6: Scenario = {
  id: 6,
  name: 'backfill',
  async run (ctx) {
    const { backfillCalls: calls, backfillLatencyMs: latency } = ctx.opts
    const t = table(`Scenario 6: backfill of ${num(calls)} calls from the emulator at ${latency} ms per request (empty ${ctx.opts.db === 'mysql' ? 'MariaDB' : 'SQLite'} database)`,
      ['detail concurrency', 'calls stored', 'seconds', 'calls/s', 'bound (concurrency × 1000 / latency)', 'ratio to bound', 'API requests (list / detail)', 'target', 'result'])
    for (const concurrency of ctx.opts.backfillConcurrency) {
      const emulator = await startEmulator(`emulator-backfill-${concurrency}`, { calls, latencyMs: latency, apiKey: ctx.env.emulator.apiKey })
      const db = await openBenchDatabase({ kind: ctx.opts.db, rows: 0, mysqlUrl: ctx.opts.mysqlUrl.replace(/\/([^/?]+)(\?.*)?$/, '/$1_backfill$2'), drop: true, name: 'backfill' })
      try {
        const cli = startTs(`backfill-${concurrency}`, `${ctx.env.serviceRoot}/cli/sync.${ctx.env.serviceRoot === ctx.opts.srcDir ? 'ts' : 'js'}`, {
          ...ctx.env.serverEnv,
          LOG_LEVEL: 'warn',
          DATABASE_URL: db.url,
          ELEVENLABS_BASE_URL: emulator.url,
          SYNC_DETAIL_CONCURRENCY: String(concurrency)
        }, ['all'])
        const code = await cli.exited
        const log = createSyncLogRepository(db.knex)
        const run = await log.latestCompleted(BACKFILL_TRIGGER) ?? (await log.list({ limit: 1 }))[0] ?? null
        const stored = Number((await db.knex(CALLS_TABLE).count({ n: '*' }).first() as { n: number | string }).n)
        const upstream = await emulatorStats(emulator.url)
        if (code !== 0 || run === null || run.completedAt === null) {
          addRow(t, [String(concurrency), num(stored), '', '', '', '', `${num(upstream.list)} / ${num(upstream.detail)}`, `ratio ≥ ${RATIO_TARGET}`],
            { what: `backfill at concurrency ${concurrency} did not finish (exit ${String(code)}, run ${run?.status ?? 'not logged'})`, verdict: 'error' })
          t.notes.push(`Backfill at concurrency ${concurrency} exited ${String(code)}: ${cli.tail(5).replace(/\n/g, ' / ')}`)
          continue
        }
        const seconds = (run.completedAt.getTime() - run.startedAt.getTime()) / 1000
        const rate = run.recordsSynced / seconds
        const bound = (concurrency * 1000) / latency
        const r = rate / bound
        const complete = stored === calls && run.recordsFailed === 0
        addRow(t, [String(concurrency), num(stored), seconds.toFixed(1), num(rate, 1), num(bound), ratio(r), `${num(upstream.list)} / ${num(upstream.detail)}`, `ratio ≥ ${RATIO_TARGET}, all ${num(calls)} stored`],
          { what: `backfill at concurrency ${concurrency}: ${num(rate, 1)} calls/s = ${ratio(r)} of the bound ${num(bound)}/s${complete ? '' : `, ${num(stored)} of ${num(calls)} stored, ${run.recordsFailed} failed`} (target ≥ ${RATIO_TARGET}×)`, verdict: r >= RATIO_TARGET && complete ? 'pass' : 'miss' })
        ctx.log(`  backfill c=${concurrency}: ${num(rate, 1)} calls/s (${ratio(r)} of ${num(bound)}/s)`)
      } finally {
        await emulator.child.stop()
        await db.close()
      }
    }
    t.notes.push('The run\'s time is its sync log row\'s (sync_started_at to sync_completed_at): process start-up and migrations excluded.')
    return t
  }
}
