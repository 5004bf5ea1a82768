import { randomBytes } from 'node:crypto'
import { Random, mix32 } from './random.js'
import { seededIndex, seededSpec, type CallSpec } from './data.js'

// The emulator's call history, newest first by (start time, conversation id). Seeded calls are
// regenerated on demand from their index (only their start times are stored: 4 bytes a call);
// calls added later (live calls, added batches) and changed seeded calls live in a map.

export interface ListQuery {
  cursor?: Position
  pageSize: number
  startAfterUnix?: number
  startBeforeUnix?: number
  agentId?: string
  excludeStatuses?: string[]
}

/** A place in the newest-first order; a page continues strictly after it. */
export interface Position { start: number, id: string }

export interface StateOptions {
  count: number
  seed: number
  /** Unix seconds the seeded history ends at. */
  nowUnix: number
  /** How far back the seeded history reaches (it stretches when calls would be closer than 1 s). */
  spanDays?: number
}

/** Newest first: later start first, then the larger id. */
export function comparePositions (a: Position, b: Position): number {
  if (a.start !== b.start) return b.start - a.start
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

export class EmulatorState {
  readonly seed: number
  readonly seededCount: number
  private readonly starts: Uint32Array
  /** Seeded calls that changed, and every call added later. */
  private readonly specs = new Map<string, CallSpec>()
  /** Added calls' positions, newest first. */
  private added: Position[] = []

  constructor (opts: StateOptions) {
    this.seed = opts.seed
    this.seededCount = opts.count
    this.starts = new Uint32Array(opts.count)
    const r = new Random(mix32(opts.seed ^ 0x5eed))
    const span = Math.max((opts.spanDays ?? 180) * 86_400, opts.count * 2)
    const meanGap = span / Math.max(opts.count, 1)
    let start = opts.nowUnix - r.int(60, 900)
    for (let i = 0; i < opts.count; i++) {
      this.starts[i] = start
      // Strictly decreasing, so seeded calls never share a start second.
      start -= 1 + Math.floor(r.next() * (2 * meanGap - 1))
    }
  }

  get size (): number {
    let seededChanged = 0
    for (const id of this.specs.keys()) if (this.seededIndexOf(id) !== undefined) seededChanged++
    return this.seededCount + this.specs.size - seededChanged
  }

  private seededIndexOf (id: string): number | undefined {
    const index = seededIndex(this.seed, id)
    if (index === undefined || index >= this.seededCount) return undefined
    return seededSpec(this.seed, index, this.starts[index] as number).conversationId === id ? index : undefined
  }

  private seededAt (index: number): CallSpec {
    const spec = seededSpec(this.seed, index, this.starts[index] as number)
    return this.specs.get(spec.conversationId) ?? spec
  }

  get (id: string): CallSpec | undefined {
    const changed = this.specs.get(id)
    if (changed !== undefined) return changed
    const index = this.seededIndexOf(id)
    return index === undefined ? undefined : this.seededAt(index)
  }

  /** Adds a call or replaces one; a seeded call keeps its place in the order. */
  put (spec: CallSpec): void {
    const seeded = this.seededIndexOf(spec.conversationId)
    if (seeded !== undefined) {
      this.specs.set(spec.conversationId, { ...spec, startUnix: this.starts[seeded] as number })
      return
    }
    this.added = this.added.filter((p) => p.id !== spec.conversationId)
    const position = { start: spec.startUnix, id: spec.conversationId }
    const at = this.added.findIndex((p) => comparePositions(position, p) < 0)
    if (at < 0) this.added.push(position)
    else this.added.splice(at, 0, position)
    this.specs.set(spec.conversationId, spec)
  }

  /**
   * A fresh id in the same shape as seeded ones, never one of them. Random, not seeded: a
   * restarted emulator must not hand out the ids of calls a database kept from the last run.
   */
  newId (): string {
    let id: string
    do id = `conv_${randomBytes(12).toString('hex')}`
    while (this.get(id) !== undefined)
    return id
  }

  /** First seeded index at or after `position` in the order (strictly after when `exclusive`). */
  private seededFrom (position: Position | undefined, exclusive: boolean): number {
    if (position === undefined) return 0
    // starts is strictly decreasing: find the first index with start <= position.start.
    let lo = 0
    let hi = this.seededCount
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.starts[mid] as number) > position.start) lo = mid + 1
      else hi = mid
    }
    if (lo < this.seededCount && this.starts[lo] === position.start) {
      const id = seededSpec(this.seed, lo, position.start).conversationId
      const cmp = comparePositions({ start: position.start, id }, position)
      if (cmp < 0 || (exclusive && cmp === 0)) lo++
    }
    return lo
  }

  /** One page, newest first, and whether more follow. */
  list (q: ListQuery): { specs: CallSpec[], hasMore: boolean } {
    const excluded = new Set(q.excludeStatuses ?? [])
    // Skip straight to the newest call allowed by call_start_before_unix.
    const upper = q.startBeforeUnix === undefined ? undefined : { start: q.startBeforeUnix, id: '\uffff' }
    const from = q.cursor !== undefined && (upper === undefined || comparePositions(q.cursor, upper) > 0) ? q.cursor : upper
    const exclusive = from === q.cursor && q.cursor !== undefined
    let s = this.seededFrom(from, exclusive)
    let a = from === undefined ? 0 : this.added.findIndex((p) => exclusive ? comparePositions(p, from) > 0 : comparePositions(p, from) >= 0)
    if (a < 0) a = this.added.length
    const out: CallSpec[] = []
    while (out.length <= q.pageSize) {
      const seeded = s < this.seededCount ? seededSpec(this.seed, s, this.starts[s] as number) : undefined
      const addedPos = this.added[a]
      let spec: CallSpec
      if (seeded === undefined && addedPos === undefined) break
      if (addedPos === undefined || (seeded !== undefined && comparePositions({ start: seeded.startUnix, id: seeded.conversationId }, addedPos) <= 0)) {
        spec = this.specs.get((seeded as CallSpec).conversationId) ?? seeded as CallSpec
        s++
      } else {
        spec = this.specs.get(addedPos.id) as CallSpec
        a++
      }
      if (q.startAfterUnix !== undefined && spec.startUnix < q.startAfterUnix) break
      if (q.startBeforeUnix !== undefined && spec.startUnix > q.startBeforeUnix) continue
      if (q.agentId !== undefined && spec.agentId !== q.agentId) continue
      if (excluded.has(spec.status)) continue
      out.push(spec)
    }
    const hasMore = out.length > q.pageSize
    return { specs: hasMore ? out.slice(0, q.pageSize) : out, hasMore }
  }
}
