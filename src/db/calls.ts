import type { Knex } from 'knex'
import { isMysql, transactionWithRetry } from './knex.js'
import { dayRangeUtc, fromDbTime, toDbTime } from './time.js'
import { planSearch, prefixEnd, reversedDigits } from './search.js'
import { CALL_STATUSES, MAX_CONVERSATION_ID_LENGTH, STATUS_RANK, isComplete, isFinalStatus, type CallCursor, type CallFilter, type CallRecord, type CallStatus, type StoredCall, type TranscriptTurn } from './types.js'

export const CALLS_TABLE = 'elevenlabs_calls'
export const COUNTERS_TABLE = 'elevenlabs_call_counters'
export const DAY_COUNTS_TABLE = 'elevenlabs_call_day_counts'
export const NO_START_DAY = '0000-00-00'

// Below this offset a page simply walks the (started_at, conversation_id) index; from here on
// it first jumps to the right day with the per-day counts.
const DEEP_OFFSET = 5000

// Rows per INSERT: well under both dialects' bound-parameter limits at ~25 columns a row.
const UPSERT_CHUNK = 400

// Everything a list page needs; the transcript (the heavy column) is loaded only on demand.
const LIST_COLUMNS = [
  'id', 'conversation_id', 'call_id', 'agent_id', 'agent_name', 'caller_number', 'callee_number',
  'status', 'call_direction', 'call_type', 'started_at', 'ended_at', 'duration_seconds', 'analysis',
  'summary', 'metadata', 'end_reason', 'recording_url', 'has_audio', 'synced_from_api', 'last_synced_at',
  'created_at', 'updated_at'
] as const

// Whether a row has a transcript, without reading the heavy column out.
const HAS_TRANSCRIPT = `CASE WHEN ${CALLS_TABLE}.transcript IS NULL THEN 0 ELSE 1 END AS has_transcript`

// Columns an upsert merges with the "forward only, never erase" rule. status goes last: MySQL
// evaluates ON DUPLICATE KEY UPDATE assignments in order, and the others compare against the
// stored status.
const MERGED_COLUMNS = [
  'call_id', 'agent_id', 'agent_name', 'caller_number', 'callee_number', 'caller_digits_rev',
  'callee_digits_rev', 'call_direction', 'call_type', 'started_at', 'ended_at', 'duration_seconds',
  'transcript', 'analysis', 'summary', 'metadata', 'end_reason', 'recording_url', 'synced_from_api'
] as const

export interface UpsertResult { inserted: number, updated: number }

export interface ListOptions {
  filter?: CallFilter
  limit: number
  offset?: number
  /** Keyset paging: rows strictly after this position in newest-first order. */
  after?: CallCursor
}

export interface CallTotals { total: number, durationSeconds: number }

export interface CallStats extends CallTotals {
  byStatus: Array<{ status: CallStatus, count: number }>
}

type Row = Record<string, unknown>

function json (value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value)
}

function parseJson (value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    return null
  }
}

function bool (value: boolean | null | undefined): number | null {
  return value === null || value === undefined ? null : (value ? 1 : 0)
}

/** The UTC day of a stored start ('YYYY-MM-DD ...' text), or the no-start day. */
function dayOf (startedAt: string | null | undefined): string {
  return startedAt === null || startedAt === undefined ? NO_START_DAY : String(startedAt).slice(0, 10)
}

export class InvalidCallError extends Error {
  override name = 'InvalidCallError'
  readonly code = 'INVALID_CALL'
}

/**
 * Clamps free text to its column: MariaDB in strict mode refuses a longer value outright, and a
 * delivery refused for an over-long termination reason would be refused on every retry.
 */
function fit (value: string | null | undefined, width: number): string | null {
  if (value === null || value === undefined) return null
  return value.length <= width ? value : value.slice(0, width)
}

function toRow (call: CallRecord, now: string): Row {
  if (call.conversationId.length === 0 || call.conversationId.length > MAX_CONVERSATION_ID_LENGTH) {
    // An id is never clamped: two different calls would become one.
    throw new InvalidCallError(`conversation_id must be 1 to ${MAX_CONVERSATION_ID_LENGTH} characters long`)
  }
  const callerNumber = fit(call.callerNumber, 50)
  const calleeNumber = fit(call.calleeNumber, 50)
  return {
    conversation_id: call.conversationId,
    call_id: fit(call.callId, 100),
    agent_id: fit(call.agentId, 100),
    agent_name: fit(call.agentName, 255),
    caller_number: callerNumber,
    callee_number: calleeNumber,
    caller_digits_rev: reversedDigits(callerNumber),
    callee_digits_rev: reversedDigits(calleeNumber),
    status: call.status,
    call_direction: call.callDirection ?? null,
    call_type: fit(call.callType, 50),
    started_at: call.startedAt == null ? null : toDbTime(call.startedAt),
    ended_at: call.endedAt == null ? null : toDbTime(call.endedAt),
    // Whole seconds, as the column holds them (SQLite would keep a fraction MySQL rounds away).
    duration_seconds: call.durationSeconds == null ? null : Math.round(call.durationSeconds),
    transcript: json(call.transcript),
    analysis: json(call.analysis),
    // TEXT holds 65,535 bytes: 16,383 characters of up to four bytes each.
    summary: fit(call.summary, 16_383),
    metadata: json(call.metadata),
    end_reason: fit(call.endReason, 100),
    recording_url: fit(call.recordingUrl, 500),
    has_audio: call.hasAudio === true ? 1 : 0,
    synced_from_api: bool(call.syncedFromApi) ?? 1,
    last_synced_at: now,
    created_at: now,
    updated_at: now
  }
}

export function rowToCall (row: Row): StoredCall {
  return {
    id: Number(row.id),
    conversationId: row.conversation_id as string,
    callId: (row.call_id as string | null) ?? null,
    agentId: (row.agent_id as string | null) ?? null,
    agentName: (row.agent_name as string | null) ?? null,
    callerNumber: (row.caller_number as string | null) ?? null,
    calleeNumber: (row.callee_number as string | null) ?? null,
    status: row.status as CallStatus,
    callDirection: (row.call_direction as 'inbound' | 'outbound' | null) ?? null,
    callType: (row.call_type as string | null) ?? null,
    startedAt: fromDbTime(row.started_at as string | null),
    endedAt: fromDbTime(row.ended_at as string | null),
    durationSeconds: row.duration_seconds === null || row.duration_seconds === undefined ? null : Number(row.duration_seconds),
    analysis: parseJson(row.analysis),
    summary: (row.summary as string | null) ?? null,
    metadata: parseJson(row.metadata),
    endReason: (row.end_reason as string | null) ?? null,
    recordingUrl: (row.recording_url as string | null) ?? null,
    hasAudio: Number(row.has_audio) === 1,
    syncedFromApi: Number(row.synced_from_api) === 1,
    hasTranscript: row.has_transcript === undefined ? false : Number(row.has_transcript) === 1,
    lastSyncedAt: fromDbTime(row.last_synced_at as string | null),
    createdAt: fromDbTime(row.created_at as string | null),
    updatedAt: fromDbTime(row.updated_at as string | null)
  }
}

function rankSql (expr: string): string {
  return `(CASE ${expr} ${Object.entries(STATUS_RANK).map(([status, rank]) => `WHEN '${status}' THEN ${rank}`).join(' ')} ELSE -1 END)`
}

/**
 * The merge rules as SQL, for either dialect: a status only moves forward; incoming data of an
 * equal or later stage wins where it has a value; data of an earlier stage (a stale in-progress
 * snapshot arriving after the final one) only fills gaps; a missing value never erases one.
 */
function mergeAssignments (knex: Knex): Record<string, Knex.Raw> {
  const mysql = isMysql(knex)
  const incoming = (col: string): string => mysql ? `VALUES(\`${col}\`)` : `excluded."${col}"`
  const stored = (col: string): string => mysql ? `\`${CALLS_TABLE}\`.\`${col}\`` : `"${CALLS_TABLE}"."${col}"`
  const forward = `${rankSql(incoming('status'))} >= ${rankSql(stored('status'))}`
  const merged: Record<string, Knex.Raw> = {}
  for (const col of MERGED_COLUMNS) {
    merged[col] = knex.raw(`CASE WHEN ${forward} THEN COALESCE(${incoming(col)}, ${stored(col)}) ELSE COALESCE(${stored(col)}, ${incoming(col)}) END`)
  }
  merged.has_audio = knex.raw(`CASE WHEN ${stored('has_audio')} = 1 OR ${incoming('has_audio')} = 1 THEN 1 ELSE 0 END`)
  merged.last_synced_at = knex.raw(incoming('last_synced_at'))
  merged.updated_at = knex.raw(incoming('updated_at'))
  merged.status = knex.raw(`CASE WHEN ${forward} THEN ${incoming('status')} ELSE ${stored('status')} END`)
  return merged
}

export type CallRepository = ReturnType<typeof createCallRepository>

/**
 * The call store. A factory over knex (or a transaction), so a caller can run several
 * repository operations atomically: `createCallRepository(trx, opts)`.
 */
export function createCallRepository (db: Knex | Knex.Transaction, opts: { timeZone: string, deepOffset?: number }) {
  const mysql = isMysql(db as Knex)
  const deepOffset = opts.deepOffset ?? DEEP_OFFSET

  function applyFilter (qb: Knex.QueryBuilder, filter: CallFilter | undefined, alias = CALLS_TABLE): void {
    if (filter?.date !== undefined && filter.date !== null) {
      const { start, end } = dayRangeUtc(filter.date, opts.timeZone)
      qb.where(`${alias}.started_at`, '>=', toDbTime(start)).andWhere(`${alias}.started_at`, '<', toDbTime(end))
    }
  }

  /**
   * The ids matching a search, as a UNION of index ranges (one per searchable key): each arm is
   * an index range scan on its own, whatever the optimizer thinks of ORs.
   */
  function searchIds (q: Knex | Knex.Transaction, search: string): Knex.QueryBuilder | null {
    const plan = planSearch(search)
    if (plan === null) return null
    const range = (col: string, prefix: string): Knex.QueryBuilder =>
      q(CALLS_TABLE).select('id').where(col, '>=', prefix).andWhere(col, '<', prefixEnd(prefix))
    const arms = [range('conversation_id', plan.idPrefix), range('call_id', plan.idPrefix)]
    if (plan.digitsReversed !== undefined) {
      arms.push(range('caller_digits_rev', plan.digitsReversed), range('callee_digits_rev', plan.digitsReversed))
    }
    const [first, ...rest] = arms as [Knex.QueryBuilder, ...Knex.QueryBuilder[]]
    return first.union(rest)
  }

  /** The base FROM for a filtered query: the table, joined to the search matches if any. */
  function filtered (q: Knex | Knex.Transaction, filter: CallFilter | undefined): Knex.QueryBuilder {
    const qb = q(CALLS_TABLE)
    const ids = filter?.search === undefined || filter.search === null ? null : searchIds(q, filter.search)
    if (ids !== null) qb.join(ids.as('matches'), 'matches.id', `${CALLS_TABLE}.id`)
    applyFilter(qb, filter)
    return qb
  }

  function hasFilter (filter: CallFilter | undefined): boolean {
    return (filter?.date ?? null) !== null || planSearch(filter?.search) !== null
  }

  function orderNewestFirst (qb: Knex.QueryBuilder, alias = CALLS_TABLE): Knex.QueryBuilder {
    return qb.orderBy([{ column: `${alias}.started_at`, order: 'desc' }, { column: `${alias}.conversation_id`, order: 'desc' }])
  }

  /** Rows strictly after `cursor` in (started_at DESC, conversation_id DESC), NULL starts last. */
  function applyAfter (qb: Knex.QueryBuilder, cursor: CallCursor, alias = CALLS_TABLE): void {
    const s = `${alias}.started_at`
    const c = `${alias}.conversation_id`
    if (cursor.startedAt === null) {
      qb.whereNull(s).andWhere(c, '<', cursor.conversationId)
      return
    }
    const t = toDbTime(cursor.startedAt)
    qb.where((w) => {
      w.where(s, '<', t)
        .orWhere((x) => { x.where(s, '=', t).andWhere(c, '<', cursor.conversationId) })
        .orWhereNull(s)
    })
  }

  /** Rows strictly before `cursor` in the newest-first order (used to find a position). */
  function applyBefore (qb: Knex.QueryBuilder, cursor: CallCursor, alias = CALLS_TABLE): void {
    const s = `${alias}.started_at`
    const c = `${alias}.conversation_id`
    if (cursor.startedAt === null) {
      qb.where((w) => { w.whereNotNull(s).orWhere((x) => { x.whereNull(s).andWhere(c, '>', cursor.conversationId) }) })
      return
    }
    const t = toDbTime(cursor.startedAt)
    qb.where((w) => {
      w.where(s, '>', t).orWhere((x) => { x.where(s, '=', t).andWhere(c, '>', cursor.conversationId) })
    })
  }

  interface StoredState { status: CallStatus, duration: number, day: string }

  async function upsertOnce (trx: Knex.Transaction, calls: CallRecord[]): Promise<UpsertResult> {
    // Serialise writers on the counter rows so the before/after snapshots below are exact.
    if (mysql) await trx(COUNTERS_TABLE).select('status').orderBy('status').forUpdate()
    const ids: string[] = []
    const repeated = new Set<string>()
    const seen = new Set<string>()
    for (const { conversationId: id } of calls) {
      if (seen.has(id)) {
        repeated.add(id)
      } else {
        seen.add(id)
        ids.push(id)
      }
    }
    const snapshot = async (of: string[]): Promise<Map<string, StoredState>> => {
      const rows = await trx(CALLS_TABLE).select('conversation_id', 'status', 'duration_seconds', 'started_at').whereIn('conversation_id', of) as Row[]
      return new Map(rows.map((r) => [r.conversation_id as string, {
        status: r.status as CallStatus,
        duration: Number(r.duration_seconds ?? 0),
        day: dayOf(r.started_at as string | null)
      }]))
    }
    const before = await snapshot(ids)
    const now = toDbTime(new Date())
    const rows = calls.map((c) => toRow(c, now))
    const merge = mergeAssignments(trx as unknown as Knex)
    for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
      await trx(CALLS_TABLE).insert(rows.slice(i, i + UPSERT_CHUNK)).onConflict('conversation_id').merge(merge)
    }
    // A call that was not stored and comes once is stored exactly as written (the lock above, or
    // SQLite's single writer, keeps anyone else from inserting it meanwhile): only the merged
    // ones are read back. A webhook for a new call saves a round trip.
    const merged = ids.filter((id) => before.has(id) || repeated.has(id))
    const after = merged.length === 0 ? new Map<string, StoredState>() : await snapshot(merged)
    for (const row of rows) {
      const id = row.conversation_id as string
      if (!after.has(id)) after.set(id, { status: row.status as CallStatus, duration: Number(row.duration_seconds ?? 0), day: dayOf(row.started_at as string | null) })
    }

    const delta = new Map<CallStatus, { calls: number, duration: number }>()
    const add = (status: CallStatus, calls: number, duration: number): void => {
      const d = delta.get(status) ?? { calls: 0, duration: 0 }
      d.calls += calls
      d.duration += duration
      delta.set(status, d)
    }
    const days = new Map<string, number>()
    const addDay = (day: string, n: number): void => { days.set(day, (days.get(day) ?? 0) + n) }
    for (const [id, now] of after) {
      const old = before.get(id)
      if (old !== undefined) {
        add(old.status, -1, -old.duration)
        addDay(old.day, -1)
      }
      add(now.status, 1, now.duration)
      addDay(now.day, 1)
    }
    for (const status of CALL_STATUSES) {
      const d = delta.get(status)
      if (d === undefined || (d.calls === 0 && d.duration === 0)) continue
      await trx(COUNTERS_TABLE).where({ status })
        .update({ calls: trx.raw('calls + ?', [d.calls]), duration_seconds: trx.raw('duration_seconds + ?', [d.duration]) })
    }
    // One statement for all the days; sorted, so concurrent writers (already serialised above on
    // MySQL) touch rows in one order.
    const dayRows = [...days].filter(([, n]) => n !== 0).sort(([a], [b]) => a.localeCompare(b)).map(([day, n]) => ({ day, calls: n }))
    if (dayRows.length > 0) {
      await trx(DAY_COUNTS_TABLE).insert(dayRows).onConflict('day').merge({ calls: trx.raw(mysql ? 'calls + VALUES(calls)' : 'calls + excluded.calls') })
    }
    return { inserted: after.size - before.size, updated: before.size }
  }

  /**
   * LIMIT/OFFSET written into the SQL rather than bound: with `LIMIT ?` in a subquery SQLite
   * cannot see how small it is and plans a scan of the whole table (22 ms instead of 0.05 ms at
   * 100,000 calls). Only checked whole numbers get here.
   */
  function window (qb: Knex.QueryBuilder, limit: number, offset = 0): Knex.QueryBuilder {
    if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(offset) || offset < 0) {
      throw new RangeError(`limit and offset must be whole numbers >= 0 (got ${limit}, ${offset})`)
    }
    qb.limit(limit, { skipBinding: true })
    if (offset > 0) qb.offset(offset, { skipBinding: true })
    return qb
  }

  /**
   * Deferred join: `ids` walks only the (started_at, conversation_id) index; whole rows are read
   * for the page alone, so an offset never drags rows through it.
   */
  async function pageByIds (ids: Knex.QueryBuilder): Promise<StoredCall[]> {
    const rows = await orderNewestFirst(
      db(CALLS_TABLE).select(...LIST_COLUMNS.map((c) => `${CALLS_TABLE}.${c}`)).join(ids.as('page'), 'page.id', `${CALLS_TABLE}.id`)
    ) as Row[]
    return rows.map(rowToCall)
  }

  /**
   * A deep unfiltered page: the per-day counts (newest day first) say which day holds row
   * `offset`, and the index walk starts at that day's end, skipping at most one day of rows.
   */
  async function deepPage (limit: number, offset: number): Promise<StoredCall[]> {
    const days = await db(DAY_COUNTS_TABLE).select('day', 'calls').where('calls', '>', 0).orderBy('day', 'desc') as Row[]
    let before = 0
    let day: string | null = null
    for (const row of days) {
      const n = Number(row.calls)
      if (before + n > offset) { day = row.day as string; break }
      before += n
    }
    if (day === null) return []
    const skip = offset - before
    if (day === NO_START_DAY) {
      return await pageByIds(window(orderNewestFirst(db(CALLS_TABLE).select('id').whereNull('started_at')), limit, skip))
    }
    const dayEnd = toDbTime(new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000))
    const rows = await pageByIds(window(orderNewestFirst(db(CALLS_TABLE).select('id').where('started_at', '<', dayEnd)), limit, skip))
    if (rows.length < limit) {
      // The page runs past the oldest start into the calls that have none.
      rows.push(...await pageByIds(window(orderNewestFirst(db(CALLS_TABLE).select('id').whereNull('started_at')), limit - rows.length)))
    }
    return rows
  }

  const repo = {
    /**
     * Inserts or merges calls by conversation_id: one INSERT ... ON CONFLICT/ON DUPLICATE KEY
     * per chunk, and the per-status counters moved in the same transaction.
     */
    async upsertMany (calls: CallRecord[]): Promise<UpsertResult> {
      if (calls.length === 0) return { inserted: 0, updated: 0 }
      if ((db as Knex.Transaction).isTransaction === true) return await upsertOnce(db as Knex.Transaction, calls)
      return await transactionWithRetry(db as Knex, async (trx) => await upsertOnce(trx, calls), { attempts: 5, backoffMs: 5 })
    },

    async upsert (call: CallRecord): Promise<UpsertResult> {
      return await repo.upsertMany([call])
    },

    async get (conversationId: string): Promise<StoredCall | null> {
      const row = await db(CALLS_TABLE).select(...LIST_COLUMNS, db.raw(HAS_TRANSCRIPT))
        .where({ conversation_id: conversationId }).first() as Row | undefined
      return row === undefined ? null : rowToCall(row)
    },

    /** Calls by id, in no particular order (the caller keys them). */
    async getMany (conversationIds: readonly string[]): Promise<StoredCall[]> {
      if (conversationIds.length === 0) return []
      const rows = await db(CALLS_TABLE).select(...LIST_COLUMNS, db.raw(HAS_TRANSCRIPT))
        .whereIn('conversation_id', [...conversationIds]) as Row[]
      return rows.map(rowToCall)
    },

    /** Transcripts of these calls in one query; a call without one (or unknown) is absent. */
    async getTranscripts (conversationIds: readonly string[]): Promise<Map<string, TranscriptTurn[]>> {
      const out = new Map<string, TranscriptTurn[]>()
      if (conversationIds.length === 0) return out
      const rows = await db(CALLS_TABLE).select('conversation_id', 'transcript')
        .whereIn('conversation_id', [...conversationIds]).whereNotNull('transcript') as Row[]
      for (const row of rows) {
        const parsed = parseJson(row.transcript)
        if (Array.isArray(parsed)) out.set(row.conversation_id as string, parsed as TranscriptTurn[])
      }
      return out
    },

    /** Which of these ids are stored final with a transcript: they need no detail fetch. */
    async completeIds (conversationIds: readonly string[]): Promise<Set<string>> {
      if (conversationIds.length === 0) return new Set()
      const rows = await db(CALLS_TABLE).select('conversation_id')
        .whereIn('conversation_id', [...conversationIds]).whereIn('status', ['done', 'failed']).whereNotNull('transcript') as Row[]
      return new Set(rows.map((r) => r.conversation_id as string))
    },

    /** A page in newest-first order, by offset or after a keyset cursor; no transcripts. */
    async list (options: ListOptions): Promise<StoredCall[]> {
      const { filter, limit, offset = 0, after } = options
      if (limit <= 0) return []
      if (!hasFilter(filter) && after === undefined) {
        return offset >= deepOffset ? await deepPage(limit, offset) : await pageByIds(window(orderNewestFirst(db(CALLS_TABLE).select('id')), limit, offset))
      }
      const qb = filtered(db, filter).select(...LIST_COLUMNS.map((c) => `${CALLS_TABLE}.${c}`))
      if (after !== undefined) applyAfter(qb, after)
      window(orderNewestFirst(qb), limit, offset)
      return (await qb as Row[]).map(rowToCall)
    },

    /** Exact count and total duration of the calls matching `filter`. */
    async totals (filter?: CallFilter): Promise<CallTotals> {
      if (!hasFilter(filter)) {
        const row = await db(COUNTERS_TABLE).sum({ total: 'calls', duration: 'duration_seconds' }).first() as Row | undefined
        return { total: Number(row?.total ?? 0), durationSeconds: Number(row?.duration ?? 0) }
      }
      const row = await filtered(db, filter)
        .count({ total: '*' }).sum({ duration: `${CALLS_TABLE}.duration_seconds` }).first() as Row | undefined
      return { total: Number(row?.total ?? 0), durationSeconds: Number(row?.duration ?? 0) }
    },

    /**
     * How many matching calls come before `cursor` in newest-first order (its 0-based rank),
     * not counting the calls in `except`.
     */
    async countBefore (cursor: CallCursor, filter?: CallFilter, except: readonly string[] = []): Promise<number> {
      const qb = filtered(db, filter).count({ n: '*' })
      applyBefore(qb, cursor)
      if (except.length > 0) qb.whereNotIn(`${CALLS_TABLE}.conversation_id`, [...except])
      const row = await qb.first() as Row | undefined
      return Number(row?.n ?? 0)
    },

    /**
     * Of these ids, the ones stored and matching `filter`, each with whether its row is complete
     * (final status and a transcript): what a page needs to know about its live head, in one read.
     */
    async matchingIds (conversationIds: readonly string[], filter?: CallFilter): Promise<Map<string, { complete: boolean }>> {
      if (conversationIds.length === 0) return new Map()
      const rows = await filtered(db, filter)
        .select(`${CALLS_TABLE}.conversation_id`, `${CALLS_TABLE}.status`, db.raw(HAS_TRANSCRIPT))
        .whereIn(`${CALLS_TABLE}.conversation_id`, [...conversationIds]) as Row[]
      return new Map(rows.map((r) => [r.conversation_id as string, { complete: isComplete(r.status as CallStatus, Number(r.has_transcript) === 1) }]))
    },

    async stats (): Promise<CallStats> {
      const rows = await db(COUNTERS_TABLE).select('status', 'calls', 'duration_seconds') as Row[]
      const byStatus = CALL_STATUSES.map((status) => {
        const row = rows.find((r) => r.status === status)
        return { status, count: Number(row?.calls ?? 0) }
      })
      return {
        byStatus,
        total: byStatus.reduce((n, s) => n + s.count, 0),
        durationSeconds: rows.reduce((n, r) => n + Number(r.duration_seconds ?? 0), 0)
      }
    },

    /** Recomputes the counters from the table (a repair tool; normal writes keep them exact). */
    async recount (): Promise<void> {
      await (db as Knex).transaction(async (trx) => {
        if (mysql) await trx(COUNTERS_TABLE).select('status').orderBy('status').forUpdate()
        const rows = await trx(CALLS_TABLE).select('status').count({ calls: '*' }).sum({ duration: 'duration_seconds' }).groupBy('status') as Row[]
        for (const status of CALL_STATUSES) {
          const row = rows.find((r) => r.status === status)
          await trx(COUNTERS_TABLE).where({ status }).update({ calls: Number(row?.calls ?? 0), duration_seconds: Number(row?.duration ?? 0) })
        }
        const dayExpr = mysql
          ? `COALESCE(DATE_FORMAT(started_at, '%Y-%m-%d'), '${NO_START_DAY}')`
          : `COALESCE(substr(started_at, 1, 10), '${NO_START_DAY}')`
        await trx(DAY_COUNTS_TABLE).delete()
        await trx.raw(`INSERT INTO ${DAY_COUNTS_TABLE} (day, calls) SELECT ${dayExpr} AS d, COUNT(*) FROM ${CALLS_TABLE} GROUP BY d`)
      })
    },

    /** Stored calls that are not final yet, oldest update first: the poller re-fetches them. */
    async unfinished (limit: number): Promise<StoredCall[]> {
      const rows = await db(CALLS_TABLE).select(...LIST_COLUMNS).whereIn('status', ['waiting', 'in_progress'])
        .orderBy('last_synced_at', 'asc').limit(limit) as Row[]
      return rows.map(rowToCall)
    },

    /** The newest stored start time: the poller's watermark. */
    async newestStartedAt (): Promise<Date | null> {
      const row = await db(CALLS_TABLE).max({ newest: 'started_at' }).first() as Row | undefined
      return fromDbTime((row?.newest as string | null | undefined) ?? null)
    },

    isFinal: isFinalStatus
  }
  return repo
}
