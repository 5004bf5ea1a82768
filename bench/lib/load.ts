import autocannon, { type RequestSpec } from 'autocannon'

// Drives an endpoint with autocannon and keeps every response time, so percentiles are exact
// to the microsecond (autocannon's own histogram rounds to whole milliseconds, too coarse for a
// 5 ms target).

export interface LoadSpec {
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string | Buffer
  /** Per-request bodies/headers (autocannon cycles through them). */
  requests?: RequestSpec[]
  connections?: number
  seconds?: number
  /** A fixed number of requests instead of a duration. */
  amount?: number
  /** Requests per second across all connections (open-loop load). */
  rate?: number
  timeoutSeconds?: number
}

export interface LoadResult {
  /** 2xx responses. */
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
  seconds: number
  /** 2xx responses per second. */
  rps: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
  /** Every 2xx response time, sorted (ms). */
  times: number[]
}

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] as number
}

export function summarise (times: number[], statusCodes: Record<string, number>, errors: number, timeouts: number, seconds: number, activeSeconds: number): LoadResult {
  times.sort((a, b) => a - b)
  const non2xx = Object.entries(statusCodes).filter(([code]) => !code.startsWith('2')).reduce((n, [, c]) => n + c, 0)
  return {
    ok: times.length,
    non2xx,
    errors,
    timeouts,
    statusCodes,
    seconds,
    rps: times.length / Math.max(activeSeconds, 0.001),
    p50: percentile(times, 50),
    p90: percentile(times, 90),
    p99: percentile(times, 99),
    max: times[times.length - 1] ?? Number.NaN,
    mean: times.length === 0 ? Number.NaN : times.reduce((a, b) => a + b, 0) / times.length,
    times
  }
}

/** Several runs of the same thing as one result (their samples pooled, their time added). */
export function pool (results: LoadResult[]): LoadResult {
  const codes: Record<string, number> = {}
  for (const r of results) for (const [c, n] of Object.entries(r.statusCodes)) codes[c] = (codes[c] ?? 0) + n
  const active = results.reduce((n, r) => n + r.ok / Math.max(r.rps, 1e-9), 0)
  return summarise(results.flatMap((r) => r.times), codes, results.reduce((n, r) => n + r.errors, 0), results.reduce((n, r) => n + r.timeouts, 0), results.reduce((n, r) => n + r.seconds, 0), active)
}

/**
 * A and B measured in alternating windows (A B A B ...), so a change in the machine's load
 * (it is shared) falls on both sides of a ratio alike.
 */
export async function alternate (a: LoadSpec, b: LoadSpec, rounds: number): Promise<[LoadResult, LoadResult]> {
  const as: LoadResult[] = []
  const bs: LoadResult[] = []
  for (let i = 0; i < rounds; i++) {
    as.push(await runLoad(a))
    bs.push(await runLoad(b))
  }
  return [pool(as), pool(bs)]
}

export async function runLoad (spec: LoadSpec): Promise<LoadResult> {
  const times: number[] = []
  const statusCodes: Record<string, number> = {}
  const started = process.hrtime.bigint()
  const instance = autocannon({
    url: spec.url,
    method: spec.method ?? 'GET',
    headers: spec.headers,
    body: spec.body,
    requests: spec.requests,
    connections: spec.connections ?? 1,
    duration: spec.seconds ?? 3,
    amount: spec.amount,
    overallRate: spec.rate,
    timeout: spec.timeoutSeconds ?? 30
  })
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1
    if (statusCode >= 200 && statusCode < 300) times.push(responseTime)
  })
  const result = await instance
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return summarise(times, statusCodes, result.errors, result.timeouts, seconds, result.duration)
}

/** One request, timed; throws with the status and the start of the body when it is not 2xx. */
export async function timedRequest (url: string, init: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<{ ms: number, status: number, body: string }> {
  const started = process.hrtime.bigint()
  const res = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body })
  const body = await res.text()
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (res.status < 200 || res.status >= 300) throw new Error(`${init.method ?? 'GET'} ${new URL(url).pathname} answered ${res.status}: ${body.slice(0, 300)}`)
  return { ms, status: res.status, body }
}

/**
 * Latency of an endpoint that may be slow (the seed's LIKE scans take seconds to a minute at
 * 1M rows): fast ones get a timed window on one connection; slow ones as many sequential
 * requests as fit the budget, and a very slow one only its first (timed) request.
 */
export async function measureLatency (spec: LoadSpec & { budgetSeconds: number }): Promise<LoadResult> {
  const probe = await timedRequest(spec.url, { method: spec.method, headers: spec.headers, body: typeof spec.body === 'string' ? spec.body : undefined })
  if (probe.ms <= 250) return await runLoad({ ...spec, connections: spec.connections ?? 1, seconds: spec.budgetSeconds })
  const amount = Math.min(15, Math.floor((spec.budgetSeconds * 1000) / probe.ms))
  if (amount >= 2) return await runLoad({ ...spec, connections: 1, amount, timeoutSeconds: 300 })
  return summarise([probe.ms], { [probe.status]: 1 }, 0, 0, probe.ms / 1000, probe.ms / 1000)
}
