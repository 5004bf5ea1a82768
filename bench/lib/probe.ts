import type { Knex } from 'knex'
import { createCallRepository, CALLS_TABLE } from '../../src/db/calls.js'
import { isMysql } from '../../src/db/knex.js'
import { seedDate, seedOffset, seedSearch } from '../reference/seed-queries.js'
import { addRow, ms, ratio, table, type Table } from './report.js'
import type { Terms } from './terms.js'

// The store timed directly, without the server: the queries a calls page runs, next to the
// seed's patterns, with the database's plan for each. Finds a slow query before the API
// exists, and says which statement it is when a scenario misses.

async function timeIt (fn: () => Promise<unknown>, budgetMs: number): Promise<{ p50: number, n: number }> {
  const times: number[] = []
  const deadline = Date.now() + budgetMs
  do {
    const t0 = process.hrtime.bigint()
    await fn()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  } while (Date.now() < deadline && times.length < 200)
  times.sort((a, b) => a - b)
  return { p50: times[Math.floor((times.length - 1) / 2)] as number, n: times.length }
}

/** The plan of the statements a call makes, captured from knex's query events. */
async function plansOf (knex: Knex, fn: () => Promise<unknown>): Promise<string[]> {
  const statements: Array<{ sql: string, bindings: readonly unknown[] }> = []
  const listener = (q: { sql: string, bindings?: readonly unknown[] }): void => { statements.push({ sql: q.sql, bindings: q.bindings ?? [] }) }
  knex.on('query', listener)
  try {
    await fn()
  } finally {
    knex.off('query', listener)
  }
  const out: string[] = []
  for (const s of statements) {
    if (!/^\s*select/i.test(s.sql)) continue
    if (isMysql(knex)) {
      const [rows] = await knex.raw(`EXPLAIN ${s.sql}`, s.bindings as Knex.RawBinding[]) as [Array<Record<string, unknown>>]
      out.push(rows.map((r) => `${String(r.table)}: type=${String(r.type)} key=${String(r.key)} rows=${String(r.rows)} ${String(r.Extra ?? '')}`).join('; '))
    } else {
      const rows = await knex.raw(`EXPLAIN QUERY PLAN ${s.sql}`, s.bindings as Knex.RawBinding[]) as Array<{ detail: string }>
      out.push(rows.map((r) => r.detail).join('; '))
    }
  }
  return out
}

export async function probeStore (knex: Knex, terms: Terms, opts: { timeZone: string, budgetMs: number, log: (line: string) => void }): Promise<Table> {
  const calls = createCallRepository(knex, { timeZone: opts.timeZone })
  const size = terms.pageSize
  const deepOffset = (terms.deepPage - 1) * size
  const t = table('Store probe: the store\'s queries timed directly (no server), next to the seed\'s', ['query', 'store p50', 'seed pattern p50', 'speedup', 'store plan'])
  const cases: Array<{ name: string, store: () => Promise<unknown>, seed?: () => Promise<unknown> }> = [
    { name: 'page 1: list + totals', store: async () => await Promise.all([calls.list({ limit: size }), calls.totals({})]), seed: async () => await seedOffset(knex, 1, size) },
    { name: `deep page ${terms.deepPage}: list (offset ${deepOffset})`, store: async () => await calls.list({ limit: size, offset: deepOffset }), seed: async () => await seedOffset(knex, terms.deepPage, size) },
    { name: `search last 4 digits: list + totals`, store: async () => await Promise.all([calls.list({ limit: size, filter: { search: terms.last4 } }), calls.totals({ search: terms.last4 })]), seed: async () => await seedSearch(knex, terms.last4, 1, size) },
    { name: 'search full number: list + totals', store: async () => await Promise.all([calls.list({ limit: size, filter: { search: terms.fullNumber } }), calls.totals({ search: terms.fullNumber })]), seed: async () => await seedSearch(knex, terms.fullNumberStored, 1, size) },
    { name: 'search conversation id: list + totals', store: async () => await Promise.all([calls.list({ limit: size, filter: { search: terms.conversationId } }), calls.totals({ search: terms.conversationId })]), seed: async () => await seedSearch(knex, terms.conversationId, 1, size) },
    { name: `date ${terms.date}: list + totals`, store: async () => await Promise.all([calls.list({ limit: size, filter: { date: terms.date } }), calls.totals({ date: terms.date })]), seed: async () => await seedDate(knex, terms.date, 1, size) }
  ]
  for (const c of cases) {
    const store = await timeIt(c.store, opts.budgetMs)
    const seed = c.seed === undefined ? null : await timeIt(c.seed, opts.budgetMs)
    const plan = (await plansOf(knex, c.store)).join(' / ')
    addRow(t, [c.name, ms(store.p50), seed === null ? '' : ms(seed.p50), seed === null ? '' : ratio(seed.p50 / store.p50), plan])
    opts.log(`probe: ${c.name}: store ${ms(store.p50)} (${store.n}x)${seed === null ? '' : `, seed pattern ${ms(seed.p50)} (${seed.n}x)`}`)
  }
  const total = await knex(CALLS_TABLE).count({ n: '*' }).first() as { n: number | string }
  t.notes.push(`${Number(total.n).toLocaleString('en-US')} rows; each query repeated for ~${opts.budgetMs} ms (at least once), median shown.`)
  return t
}
