import { runLoad } from '../lib/load.js'
import { addRow, ms, num, table } from '../lib/report.js'
import type { Scenario } from './context.js'
import { emulatorStats, resetEmulatorStats } from './env.js'
import { callsBody } from './graphql.js'
import { row } from './s1-page1.js'

// Scenario 5: many users on page 1 at once. The seed's design asks the API for the newest calls
// on every view; the service shares one upstream request between concurrent pages and reuses it
// for HEAD_CACHE_TTL_MS. Counted at the emulator: list requests during the window.

export const scenario5: Scenario = {
  id: 5,
  name: 'head coalescing',
  async run (ctx) {
    const { server, emulator } = ctx.env
    const { coalesceClients: clients, coalesceSeconds: seconds, headCacheTtlMs: ttl } = ctx.opts
    // The reference server shares the emulator: it is idle now, so every list request counted
    // below is the server's.
    await resetEmulatorStats(emulator.url)
    const load = await runLoad({
      url: `${server.url}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: callsBody({ page: 1, pageSize: 20 }),
      connections: clients,
      seconds
    })
    const upstream = await emulatorStats(emulator.url)
    const target = Math.floor((seconds * 1000) / ttl) + 1
    const t = table(`Scenario 5: head coalescing, ${clients} concurrent clients on page 1 for ${seconds} s (HEAD_CACHE_TTL_MS=${ttl})`,
      ['measurement', 'p50', 'p99', 'req/s', 'page views', 'API list requests', 'API detail requests', 'seed design (one per view)', 'target', 'result'])
    addRow(t, [`${clients} clients`, ...row(load), num(load.ok), num(upstream.list), num(upstream.detail), num(load.ok), `list requests ≤ ${seconds} s / ${ttl / 1000} s + 1 = ${target}`],
      { what: `${num(upstream.list)} API list requests for ${num(load.ok)} page views in ${seconds} s (target ≤ ${target})`, verdict: upstream.list <= target ? 'pass' : 'miss' })
    const failed = load.non2xx + load.errors
    if (failed > 0) t.notes.push(`**${failed} page requests failed** (non-2xx or connection errors); timeouts: ${load.timeouts}.`)
    t.notes.push(`Latency here is under ${clients} concurrent clients on a ${ctx.env.server.child.name} process sharing the machine with the load generator: it shows queueing, not the per-page cost (scenario 1).`)
    t.notes.push(`p99 ${ms(load.p99)}, slowest ${ms(load.max)}.`)
    return t
  }
}
