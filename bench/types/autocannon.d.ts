// The part of autocannon's programmatic API the bench uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p99: number
  }

  export interface RequestSpec {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
    setupRequest?: (request: RequestSpec, context: Record<string, unknown>) => RequestSpec | null | undefined
  }

  export interface Options {
    url: string
    connections?: number
    duration?: number
    amount?: number
    timeout?: number
    pipelining?: number
    method?: string
    headers?: Record<string, string>
    body?: string | Buffer
    requests?: RequestSpec[]
    overallRate?: number
    connectionRate?: number
    maxOverallRequests?: number
    ignoreCoordinatedOmission?: boolean
    excludeErrorStats?: boolean
  }

  export interface Result {
    latency: Histogram
    requests: Histogram
    throughput: Histogram
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    mismatches: number
    statusCodeStats: Record<string, { count: number }>
    '2xx': number
  }

  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop: () => void
    on: ((event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void) => this) &
    ((event: 'reqError', listener: (err: Error) => void) => this) &
    ((event: string, listener: (...args: any[]) => void) => this)
  }

  function autocannon (opts: Options): Instance
  export default autocannon
}
