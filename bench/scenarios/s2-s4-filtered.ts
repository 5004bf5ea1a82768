import { measureLatency, runLoad } from '../lib/load.js'
import { addRow, ms, num, ratio, table, type Table } from '../lib/report.js'
import type { Scenario, ScenarioContext } from './context.js'
import { callsBody, callsOnce, type CallsVariables } from './graphql.js'
import { row } from './s1-page1.js'

// Scenarios 2-4: searches, a deep page and a date filter through the API, each next to the
// seed's query pattern for the same page on the same data (leading-wildcard LIKE + COUNT(*),
// plain OFFSET, DATE(started_at) + COUNT(*)). Latency on one connection; the seed's patterns
// can take seconds, so they get a few sequential requests instead of a timed window.

interface Case {
  name: string
  vars: CallsVariables
  /** Path and query on the reference server. */
  reference: string
  targetMs: number
}

async function measureCases (ctx: ScenarioContext, t: Table, cases: Case[]): Promise<void> {
  const { server, reference } = ctx.env
  for (const c of cases) {
    const warm = await callsOnce(server.url, c.vars)
    const gql = { url: `${server.url}/graphql`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: callsBody(c.vars) }
    await runLoad({ ...gql, connections: 1, amount: 20 })
    const service = await runLoad({ ...gql, connections: 1, seconds: ctx.opts.seconds })
    const ref = await measureLatency({ url: `${reference.url}${c.reference}`, budgetSeconds: ctx.opts.seconds * 2 })
    const speedup = ref.p50 / service.p50
    const total = warm.data?.calls?.pagination.total ?? Number.NaN
    addRow(t, [c.name, num(total), ...row(service), ...row(ref), `${ratio(speedup)} faster`, `p50 ≤ ${c.targetMs} ms`],
      { what: `${c.name}: p50 ${ms(service.p50)} (target ≤ ${c.targetMs} ms)`, verdict: service.p50 <= c.targetMs ? 'pass' : 'miss' })
    ctx.log(`  ${c.name}: p50 ${ms(service.p50)}, seed pattern ${ms(ref.p50)} (${ref.ok} requests)`)
    const failed = service.non2xx + service.errors + ref.non2xx + ref.errors
    if (failed > 0) t.notes.push(`**${c.name}: ${failed} requests failed** during the measurement.`)
  }
}

const HEADERS = ['case', 'matching calls', 'p50', 'p99', 'req/s', 'seed pattern p50', 'seed pattern p99', 'seed pattern req/s', 'speedup (p50)', 'target', 'result']

export const scenario2: Scenario = {
  id: 2,
  name: 'search',
  async run (ctx) {
    const { terms } = ctx
    const t = table(`Scenario 2: search, page 1 (${num(ctx.dataset.rows)} calls); reference: the seed's LIKE '%x%' over three columns + COUNT(*)`, HEADERS)
    const q = (term: string): string => `/ref/seed/search?page=1&pageSize=${terms.pageSize}&q=${encodeURIComponent(term)}`
    await measureCases(ctx, t, [
      { name: 'last 4 digits of a phone number', vars: { page: 1, pageSize: terms.pageSize, search: terms.last4 }, reference: q(terms.last4), targetMs: 10 },
      { name: 'full phone number, typed with spaces', vars: { page: 1, pageSize: terms.pageSize, search: terms.fullNumber }, reference: q(terms.fullNumberStored), targetMs: 10 },
      { name: 'conversation id', vars: { page: 1, pageSize: terms.pageSize, search: terms.conversationId }, reference: q(terms.conversationId), targetMs: 10 }
    ])
    t.notes.push('The seed\'s LIKE is given the number as stored (+57...): it cannot see through spaces, the API can.')
    return t
  }
}

export const scenario3: Scenario = {
  id: 3,
  name: 'deep page',
  async run (ctx) {
    const { terms } = ctx
    const t = table(`Scenario 3: deep page ${num(terms.deepPage)} at pageSize ${terms.pageSize} (offset ${num((terms.deepPage - 1) * terms.pageSize)} of ${num(ctx.dataset.rows)}); reference: plain OFFSET`, HEADERS)
    await measureCases(ctx, t, [
      { name: `page ${num(terms.deepPage)}`, vars: { page: terms.deepPage, pageSize: terms.pageSize }, reference: `/ref/seed/offset?page=${terms.deepPage}&pageSize=${terms.pageSize}`, targetMs: 100 }
    ])
    t.notes.push('The reference is `SELECT * FROM elevenlabs_calls ORDER BY started_at DESC LIMIT 20 OFFSET n` alone (no count).')
    return t
  }
}

export const scenario4: Scenario = {
  id: 4,
  name: 'date filter',
  async run (ctx) {
    const { terms } = ctx
    const t = table(`Scenario 4: date filter ${terms.date}, page 1 (${num(ctx.dataset.rows)} calls); reference: DATE(started_at) = ? + COUNT(*)`, HEADERS)
    await measureCases(ctx, t, [
      { name: `date ${terms.date}`, vars: { page: 1, pageSize: terms.pageSize, date: terms.date }, reference: `/ref/seed/date?page=1&pageSize=${terms.pageSize}&date=${terms.date}`, targetMs: 10 }
    ])
    t.notes.push('The API reads the day in CALLS_TIMEZONE=America/Bogota as a UTC range; the seed\'s DATE(started_at) reads the UTC day (same amount of work, a 5-hour shift).')
    return t
  }
}
