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
}

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] as number
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
  times.sort((a, b) => a - b)
  const non2xx = Object.entries(statusCodes).filter(([code]) => !code.startsWith('2')).reduce((n, [, c]) => n + c, 0)
  return {
    ok: times.length,
    non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    seconds,
    rps: times.length / Math.max(result.duration, 0.001),
    p50: percentile(times, 50),
    p90: percentile(times, 90),
    p99: percentile(times, 99),
    max: times[times.length - 1] ?? Number.NaN,
    mean: times.length === 0 ? Number.NaN : times.reduce((a, b) => a + b, 0) / times.length
  }
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
  return {
    ok: 1, non2xx: 0, errors: 0, timeouts: 0, statusCodes: { [probe.status]: 1 }, seconds: probe.ms / 1000, rps: 1000 / probe.ms,
    p50: probe.ms, p90: probe.ms, p99: probe.ms, max: probe.ms, mean: probe.ms
  }
}
