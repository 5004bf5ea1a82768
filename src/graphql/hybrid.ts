import type { CallRepository } from '../db/calls.js'
import { searchMatches } from '../db/search.js'
import { dayRangeUtc } from '../db/time.js'
import { STATUS_RANK, type CallCursor, type CallFilter, type CallRecord, type StoredCall } from '../db/types.js'
import type { CallModel } from './models.js'

// The hybrid list: the live head (H) merged into the stored history (D) with exact offset
// paging. Calls of H the database does not match yet (X) get their global rank from one count
// query each, so a page never needs more than one offset read of D, however deep it is.

/** The store methods a hybrid page reads. */
export type HybridStore = Pick<CallRepository, 'totals' | 'list' | 'countBefore' | 'matchingIds'>

export interface HybridPageInput {
  /** The live head, newest first; null when there is none for this page (disabled, degraded). */
  head: CallRecord[] | null
  filter: CallFilter
  page: number
  pageSize: number
  timeZone: string
}

export interface HybridPage {
  rows: CallModel[]
  /** |H ∪ D| for the filter. */
  total: number
  /** Duration of every call in H ∪ D, in seconds. */
  durationSeconds: number
}

function compareIds (a: string, b: string): number {
  // Byte-wise, as the databases compare conversation ids (binary collation).
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** Negative when `a` comes first in (startedAt DESC, conversationId DESC), starts unknown last. */
export function compareNewestFirst (a: CallCursor, b: CallCursor): number {
  const ta = a.startedAt?.getTime() ?? null
  const tb = b.startedAt?.getTime() ?? null
  if (ta !== tb) {
    if (ta === null) return 1
    if (tb === null) return -1
    return tb - ta
  }
  return compareIds(b.conversationId, a.conversationId)
}

function cursorOf (call: CallRecord): CallCursor {
  return { startedAt: call.startedAt ?? null, conversationId: call.conversationId }
}

/** The database's filter rules, for calls held in memory. */
export function matchesFilter (call: CallRecord, filter: CallFilter, timeZone: string): boolean {
  if (!searchMatches(call, filter.search)) return false
  if (filter.date !== undefined && filter.date !== null) {
    const { start, end } = dayRangeUtc(filter.date, timeZone)
    const at = call.startedAt?.getTime()
    if (at === undefined || at < start.getTime() || at >= end.getTime()) return false
  }
  return true
}

function known<T> (value: T | null | undefined): value is T {
  return value !== null && value !== undefined
}

/**
 * A head call over its stored row, with the store's merge rule: data of an equal or later stage
 * wins where it has a value, an earlier stage (a head cached just before the webhook landed) only
 * fills gaps.
 */
export function overlayHead (head: CallRecord, stored: StoredCall): CallModel {
  const headWins = STATUS_RANK[head.status] >= STATUS_RANK[stored.status]
  const merged: Record<string, unknown> = { ...stored }
  for (const [key, value] of Object.entries(head)) {
    if (!known(value)) continue
    if (headWins || !known(merged[key])) merged[key] = value
  }
  return { ...(merged as unknown as CallRecord), source: 'api', stored: true, lastSyncedAt: stored.lastSyncedAt }
}

function fromHead (call: CallRecord): CallModel {
  return { ...call, source: 'api', stored: false, lastSyncedAt: null }
}

function fromDb (call: StoredCall): CallModel {
  return { ...call, source: 'db', stored: true }
}

/** The head without repeats, and without calls that have no id. */
function uniqueHead (head: CallRecord[]): Map<string, CallRecord> {
  const byId = new Map<string, CallRecord>()
  for (const call of head) {
    if (typeof call.conversationId === 'string' && call.conversationId !== '' && !byId.has(call.conversationId)) byId.set(call.conversationId, call)
  }
  return byId
}

/**
 * One page of H ∪ D. The three reads it always needs (which head calls the database holds, the
 * totals, and a window of D) do not depend on each other, so they run at once, each on its own
 * connection: a page costs about one round trip instead of one per read. There is no shared
 * snapshot. The window starts up to |H| rows before the page's offset (head calls ranked before
 * the page push its stored rows back by as many), so it holds the page's rows wherever the head
 * calls fall; and a head call stored between the reads is dropped from the window
 * (it is placed by rank) rather than shown twice. Such a race can make that one response's total
 * count that call twice, and a page after the first start one row off; the next read is exact.
 */
export async function hybridPage (store: HybridStore, input: HybridPageInput): Promise<HybridPage> {
  const { filter, page, pageSize, timeZone } = input
  const offset = (page - 1) * pageSize
  const head = uniqueHead(input.head ?? [])
  const matching = [...head.values()].filter((c) => matchesFilter(c, filter, timeZone))
  const spare = matching.length
  const windowStart = Math.max(0, offset - spare)

  const [inDb, totals, window] = await Promise.all([
    spare === 0 ? new Map<string, { complete: boolean }>() : store.matchingIds(matching.map((c) => c.conversationId), filter),
    store.totals(filter),
    store.list({ filter, limit: offset - windowStart + pageSize, offset: windowStart })
  ])

  // X: head calls the database does not (yet) hold under this filter, in list order. The rank
  // of x in H ∪ D = stored calls before it + the X calls before it. The count leaves X out: a
  // call of X stored since the first read is counted once, as X.
  const extra = matching.filter((c) => !inDb.has(c.conversationId)).sort((a, b) => compareNewestFirst(cursorOf(a), cursorOf(b)))
  const extraIds = extra.map((c) => c.conversationId)
  const ranks = await Promise.all(extra.map(async (call, i) => await store.countBefore(cursorOf(call), filter, extraIds) + i))

  const total = totals.total + extra.length
  const durationSeconds = totals.durationSeconds + extra.reduce((n, c) => n + (c.durationSeconds ?? 0), 0)

  const end = offset + pageSize
  const onPage = new Map<number, CallRecord>()
  let extraBefore = 0
  for (const [i, rank] of ranks.entries()) {
    if (rank < offset) extraBefore++
    else if (rank < end) onPage.set(rank, extra[i] as CallRecord)
  }
  // D from position offset - extraBefore on, which the window holds (extraBefore <= spare).
  const stored = window.slice(offset - extraBefore - windowStart).filter((r) => !extraIds.includes(r.conversationId))

  const rows: CallModel[] = []
  let next = 0
  for (let position = offset; position < end; position++) {
    const x = onPage.get(position)
    if (x !== undefined) {
      rows.push(fromHead(x))
      continue
    }
    const row = stored[next++]
    if (row === undefined) continue
    const live = head.get(row.conversationId)
    if (live === undefined) {
      rows.push(fromDb(row))
    } else {
      // Whether the database holds the call in full (if not, its missing fields may still come
      // from the API): known from the same read that found it stored.
      rows.push({ ...overlayHead(live, row), complete: inDb.get(row.conversationId)?.complete === true })
    }
  }
  return { rows, total, durationSeconds }
}
