// Injected misbehaviour, for tests and benchmarks: each fault applies to the next `times`
// matching requests (after letting `skip` of them through), then expires.

export type Endpoint = 'list' | 'detail' | 'audio'
export const ENDPOINTS: readonly Endpoint[] = ['list', 'detail', 'audio']

export interface FaultSpec {
  /** Which endpoint; 'all' (default) matches every API endpoint. */
  endpoint?: Endpoint | 'all'
  /** Only requests about this conversation (detail and audio). */
  conversationId?: string
  /** How many requests it applies to (default 1). */
  times?: number
  /** Let this many matching requests through first (default 0). */
  skip?: number
  /** Answer with this status instead (e.g. 429, 503, 404). */
  status?: number
  /** Retry-After header with the status: seconds, or an HTTP date as a string. */
  retryAfter?: number | string
  /** Wait this long first; alone, it makes a slow but correct response. */
  delayMs?: number
  /** Drop the connection without answering (a network error for the client). */
  reset?: boolean
  /** Answer 200 with a body that is not JSON. */
  invalidJson?: boolean
  /** List only: has_more stays true but next_cursor is null. */
  nullCursor?: boolean
  /** Code-only: rewrite the JSON body before it is sent. */
  transform?: (body: unknown) => unknown
}

export interface Fault extends FaultSpec {
  id: number
  remaining: number
  skipLeft: number
  served: number
}

export class FaultInjector {
  private faults: Fault[] = []
  private nextId = 1

  add (spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: this.nextId++, remaining: Math.max(1, spec.times ?? 1), skipLeft: Math.max(0, spec.skip ?? 0), served: 0 }
    this.faults.push(fault)
    return fault
  }

  clear (): void {
    this.faults = []
  }

  list (): Fault[] {
    return this.faults.filter((f) => f.remaining > 0)
  }

  /** The fault to apply to this request, if any (consumes one use). */
  take (endpoint: Endpoint, conversationId?: string): Fault | undefined {
    for (const fault of this.faults) {
      if (fault.remaining <= 0) continue
      if (fault.endpoint !== undefined && fault.endpoint !== 'all' && fault.endpoint !== endpoint) continue
      if (fault.conversationId !== undefined && fault.conversationId !== conversationId) continue
      if (fault.skipLeft > 0) {
        fault.skipLeft--
        continue
      }
      fault.remaining--
      fault.served++
      return fault
    }
    return undefined
  }
}

export interface RequestRecord {
  endpoint: Endpoint
  method: string
  url: string
  status: number
  /** When it was answered (ms). */
  at: number
  /** When it arrived (ms), and how many requests of each endpoint were in flight then. */
  startedAt: number
  inFlightAtStart: Record<Endpoint, number>
}

export interface StatsSnapshot {
  requests: Record<Endpoint, number>
  total: number
  unauthorized: number
  faultsServed: number
  /** Requests of each endpoint arrived and not yet answered: now, and at most at once since the last reset. */
  inFlight: Record<Endpoint, number>
  maxInFlight: Record<Endpoint, number>
  /** The most recent API requests, oldest first (at most 1000). */
  recent: RequestRecord[]
}

export class EmulatorStats {
  private counts: Record<Endpoint, number> = { list: 0, detail: 0, audio: 0 }
  private unauthorized = 0
  private faultsServed = 0
  private recent: RequestRecord[] = []
  private inFlight: Record<Endpoint, number> = { list: 0, detail: 0, audio: 0 }
  private maxInFlight: Record<Endpoint, number> = { list: 0, detail: 0, audio: 0 }

  /** A request arrived: what was in flight before it, and a function to call once (more calls are ignored) when it is over. */
  begin (endpoint: Endpoint): { inFlightAtStart: Record<Endpoint, number>, end: () => void } {
    const inFlightAtStart = { ...this.inFlight }
    this.inFlight[endpoint]++
    this.maxInFlight[endpoint] = Math.max(this.maxInFlight[endpoint], this.inFlight[endpoint])
    let ended = false
    return {
      inFlightAtStart,
      end: () => {
        if (ended) return
        ended = true
        this.inFlight[endpoint]--
      }
    }
  }

  record (entry: RequestRecord, opts: { unauthorized?: boolean, fault?: boolean } = {}): void {
    this.counts[entry.endpoint]++
    if (opts.unauthorized === true) this.unauthorized++
    if (opts.fault === true) this.faultsServed++
    this.recent.push(entry)
    if (this.recent.length > 1000) this.recent.splice(0, this.recent.length - 1000)
  }

  count (endpoint?: Endpoint): number {
    return endpoint === undefined ? this.counts.list + this.counts.detail + this.counts.audio : this.counts[endpoint]
  }

  snapshot (): StatsSnapshot {
    return {
      requests: { ...this.counts },
      total: this.count(),
      unauthorized: this.unauthorized,
      faultsServed: this.faultsServed,
      inFlight: { ...this.inFlight },
      maxInFlight: { ...this.maxInFlight },
      recent: [...this.recent]
    }
  }

  reset (): void {
    this.counts = { list: 0, detail: 0, audio: 0 }
    this.unauthorized = 0
    this.faultsServed = 0
    this.recent = []
    this.maxInFlight = { ...this.inFlight }
  }
}
