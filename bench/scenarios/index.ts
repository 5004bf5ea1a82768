import { loadAverage } from '../lib/machine.js'
import { addRow, table, type Table } from '../lib/report.js'
import type { BenchContext, Scenario, ScenarioContext } from './context.js'
import { recordMemory, settle, startEnvironment } from './env.js'
import { scenario1 } from './s1-page1.js'
import { scenario2, scenario3, scenario4 } from './s2-s4-filtered.js'
import { scenario5 } from './s5-coalescing.js'
import { scenario6 } from './s6-backfill.js'
import { scenario7 } from './s7-webhooks.js'
import { scenario8 } from './s8-memory.js'

export type { BenchContext } from './context.js'

// Run order: reads first (they must see the seeded data only), then the many-clients and write
// scenarios, the backfill (its own processes and database), and memory last, after everything
// the server went through.
const ORDER: Scenario[] = [scenario1, scenario2, scenario3, scenario4, scenario5, scenario7, scenario6, scenario8]

/** Runs the chosen scenarios; a scenario that throws is reported as an error row, not fatal. */
export async function runScenarios (ctx: BenchContext, emit: (t: Table) => void): Promise<void> {
  const chosen = ORDER.filter((s) => ctx.opts.scenarios.has(s.id))
  if (chosen.length === 0) return
  ctx.log('starting the emulator, the server and the reference server')
  const env = await startEnvironment(ctx)
  const sctx: ScenarioContext = { ...ctx, env }
  recordMemory(env, 'start-up')
  for (const s of chosen) {
    await settle(env)
    const started = Date.now()
    const load = loadAverage()
    ctx.log(`scenario ${s.id}: ${s.name}`)
    let t: Table
    try {
      t = await s.run(sctx)
    } catch (err) {
      t = table(`Scenario ${s.id}: ${s.name}`, ['error', 'result'])
      addRow(t, [(err as Error).message.split('\n')[0] ?? 'failed'], { what: `scenario ${s.id} (${s.name}) failed: ${(err as Error).message.split('\n')[0] ?? ''}`, verdict: 'error' })
      ctx.log(`scenario ${s.id} failed: ${(err as Error).stack ?? String(err)}`)
    }
    t.notes.push(`Took ${((Date.now() - started) / 1000).toFixed(0)} s; machine load average (1 min) ${load} before, ${loadAverage()} after.`)
    if (s.id !== 8) recordMemory(env, `scenario ${s.id} (${s.name})`)
    ctx.log(`scenario ${s.id}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
    emit(t)
  }
}
