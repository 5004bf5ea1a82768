import { isDeepStrictEqual } from 'node:util'
import { alternate, runLoad, timedRequest, type LoadResult } from '../lib/load.js'
import { addRow, ms, num, ratio, table } from '../lib/report.js'
import type { Scenario } from './context.js'
import { callsBody, callsOnce, type CallsResponse } from './graphql.js'

// Scenario 1: `calls` page 1, no filter, with the live head cached. Latency on one connection
// (what one user waits), throughput with several (what the process can serve), both next to the
// reference: a plain Fastify route running the same store queries and returning the same JSON.

export const THROUGHPUT_CONNECTIONS = 10
const P50_TARGET_MS = 5
const THROUGHPUT_TARGET = 0.6
const ROUNDS = 3

/** Where two JSON values first differ, as a path (values left out: they are call data). */
function firstDifference (a: unknown, b: unknown, path = '$'): string {
  if (isDeepStrictEqual(a, b)) return ''
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${path} differs`
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`)
    if (d !== '') return d
  }
  return `${path} differs in key order`
}

export const row = (r: LoadResult): string[] => [ms(r.p50), ms(r.p99), num(r.rps, r.rps < 10 ? 2 : 0)]

export const scenario1: Scenario = {
  id: 1,
  name: 'page 1',
  async run (ctx) {
    const { server, reference } = ctx.env
    const gql = { url: `${server.url}/graphql`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: callsBody({ page: 1, pageSize: 20 }) }
    const ref = { url: `${reference.url}/ref/calls?page=1&pageSize=20` }

    // Warm-up: the head fetched and cached on both sides, its calls stored, the query compiled.
    // Both heads are fetched at once, before either side has stored the head's calls: a head
    // fetched after that differs in detail (see the note on callType below).
    const [first] = await Promise.all([callsOnce(server.url, { page: 1, pageSize: 20 }), timedRequest(ref.url)])
    await new Promise((resolve) => setTimeout(resolve, 300))
    await runLoad({ ...gql, connections: 4, seconds: 1 })
    await runLoad({ ...ref, connections: 4, seconds: 1 })

    // The reference must answer what the API answers, or the ratio compares different work. A
    // head refresh between the two reads can differ for a moment: a few tries.
    let same = false
    let differs = ''
    for (let i = 0; i < 3 && !same; i++) {
      const service = await callsOnce(server.url, { page: 1, pageSize: 20 })
      const referenceBody = JSON.parse((await timedRequest(ref.url)).body) as CallsResponse
      same = isDeepStrictEqual(service, referenceBody)
      if (!same) differs = firstDifference(service, referenceBody)
    }

    // Alternating windows: the machine is shared, and a ratio must not compare a quiet
    // moment with a busy one.
    const seconds = Math.max(1, ctx.opts.seconds / ROUNDS)
    const [lat, refLat] = await alternate({ ...gql, connections: 1, seconds }, { ...ref, connections: 1, seconds }, ROUNDS)
    const [thr, refThr] = await alternate({ ...gql, connections: THROUGHPUT_CONNECTIONS, seconds }, { ...ref, connections: THROUGHPUT_CONNECTIONS, seconds }, ROUNDS)

    const t = table(`Scenario 1: calls page 1, no filter, head cached (${num(ctx.dataset.rows)} calls)`,
      ['measurement', 'p50', 'p99', 'req/s', 'reference p50', 'reference p99', 'reference req/s', 'ratio', 'target', 'result'])
    addRow(t, ['1 connection', ...row(lat), ...row(refLat), `${ratio(lat.p50 / refLat.p50)} of reference p50`, `p50 ≤ ${P50_TARGET_MS} ms`],
      { what: `page 1 p50 ${ms(lat.p50)} (target ≤ ${P50_TARGET_MS} ms)`, verdict: lat.p50 <= P50_TARGET_MS ? 'pass' : 'miss' })
    const thrRatio = thr.rps / refThr.rps
    addRow(t, [`${THROUGHPUT_CONNECTIONS} connections`, ...row(thr), ...row(refThr), `${ratio(thrRatio)} reference req/s`, `≥ ${THROUGHPUT_TARGET}× reference req/s`],
      { what: `page 1 throughput ${ratio(thrRatio)} of the reference (target ≥ ${THROUGHPUT_TARGET}×)`, verdict: thrRatio >= THROUGHPUT_TARGET ? 'pass' : 'miss' })
    const floor = await runLoad({ url: `${reference.url}/ref/floor`, connections: 1, seconds: Math.min(2, ctx.opts.seconds) })
    addRow(t, ['HTTP floor: the same JSON from memory, 1 connection', ...row(floor), '', '', '', '', 'none (what a request costs on this machine now)'], { what: 'HTTP floor', verdict: 'info' })
    const stats = first.data?.calls?.stats
    t.notes.push(`The page held ${stats?.fromApi ?? '?'} live-head calls (apiStatus ${stats?.apiStatus ?? '?'}) of ${num(stats?.totalConversations ?? Number.NaN)} in total; the reference answered ${same ? 'the same JSON as the API' : `**a different JSON from the API** (${differs}; the ratio compares different work)`}.`)
    const errors = [lat, refLat, thr, refThr].reduce((n, r) => n + r.non2xx + r.errors, 0)
    if (errors > 0) t.notes.push(`**${errors} requests failed** (non-2xx or connection errors) during the measurements.`)
    return t
  }
}
