import { MAX_SEARCH_LENGTH } from '../../db/search.js'
import { isCalendarDate } from '../../db/time.js'
import type { CallFilter, CallRecord } from '../../db/types.js'
import { isElevenLabsError } from '../../elevenlabs/errors.js'
import { callFromConversation } from '../../elevenlabs/mapping.js'
import { describeError } from '../../sync/errors.js'
import { ApiError, badInput } from '../errors.js'
import type { CallResolvers, QueryResolvers, Resolvers, TranscriptTurnResolvers } from '../generated.js'
import { hybridPage, type HybridPage } from '../hybrid.js'
import { readHead } from '../live-head.js'
import type { CallModel } from '../models.js'

export const MAX_PAGE_SIZE = 100
const MAX_ID_LENGTH = 100

function validatePaging (page: number, pageSize: number): void {
  if (!Number.isInteger(page) || page < 1) throw badInput(`page must be 1 or more, got ${page}`, { argument: 'page' })
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw badInput(`pageSize must be between 1 and ${MAX_PAGE_SIZE}, got ${pageSize}`, { argument: 'pageSize' })
  }
}

function validateFilter (search: string | null | undefined, date: string | null | undefined): CallFilter {
  if (search !== null && search !== undefined && search.length > MAX_SEARCH_LENGTH) {
    throw badInput(`search must be at most ${MAX_SEARCH_LENGTH} characters, got ${search.length}`, { argument: 'search' })
  }
  if (date !== null && date !== undefined && !isCalendarDate(date)) {
    throw badInput(`date must be a real calendar day written YYYY-MM-DD (for example 2025-10-29), got ${JSON.stringify(date)}`, { argument: 'date' })
  }
  return { search: search ?? null, date: date ?? null }
}

const calls: QueryResolvers['calls'] = async (_root, args, ctx) => {
  const app = ctx.app
  // An explicit null means the default, as an omitted argument does.
  const page = args.page ?? 1
  const pageSize = args.pageSize ?? 20
  validatePaging(page, pageSize)
  const filter = validateFilter(args.search, args.date)
  const { config } = app

  const { head, apiStatus } = await readHead(app.sync.head, {
    enabled: app.elevenlabs !== null,
    limit: config.hybridApiLimit,
    timeoutMs: config.apiTimeoutMs,
    log: ctx.reply.request.log
  })
  const input = { head, filter, page, pageSize, timeZone: config.callsTimezone }
  const result: HybridPage = await hybridPage(app.store.calls, input)

  const fromApi = result.rows.filter((r) => r.source === 'api').length
  return {
    data: result.rows,
    stats: {
      totalConversations: result.total,
      fromApi,
      fromDatabase: result.rows.length - fromApi,
      totalDurationMinutes: Math.round(result.durationSeconds / 60),
      apiStatus
    },
    pagination: { page, pageSize, total: result.total, totalPages: Math.ceil(result.total / pageSize) }
  }
}

const call: QueryResolvers['call'] = async (_root, args, ctx) => {
  const id = String(args.conversationId).trim()
  if (id === '' || id.length > MAX_ID_LENGTH) throw badInput(`conversationId must be 1 to ${MAX_ID_LENGTH} characters`, { argument: 'conversationId' })
  const app = ctx.app
  const stored = await app.store.calls.get(id)
  if (stored !== null) return { ...stored, source: 'db', stored: true }
  const client = app.elevenlabsHead
  if (client === null) return null
  let record: CallRecord
  try {
    record = callFromConversation(await client.getConversation(id))
  } catch (err) {
    if (isElevenLabsError(err, 'ELEVENLABS_NOT_FOUND') || isElevenLabsError(err, 'ELEVENLABS_BAD_REQUEST')) return null
    ctx.reply.request.log.warn({ conversationId: id, err: describeError(err) }, 'call: the API did not answer')
    throw new ApiError('API_UNAVAILABLE', 'The call is not stored and the ElevenLabs API did not answer; try again later')
  }
  try {
    await app.store.calls.upsert(record)
    const saved = await app.store.calls.get(id)
    // The transcript is in hand: no need to read it back.
    if (saved !== null) return { ...saved, transcript: record.transcript, source: 'api', stored: true }
  } catch (err) {
    ctx.reply.request.log.warn({ conversationId: id, err: describeError(err) }, 'call: fetched from the API but could not store it')
  }
  return { ...record, source: 'api', stored: false, lastSyncedAt: null }
}

/**
 * A head call the head could not fetch in full (its detail failed) and the database does not
 * hold complete: fields it lacks come from the API. Nothing else ever calls the API from a list.
 */
function needsDetail (call: CallModel): boolean {
  return call.source === 'api' && !Array.isArray(call.transcript) && call.complete !== true
}

type DetailField = 'callId' | 'callerNumber' | 'calleeNumber' | 'callDirection' | 'summary' | 'analysis' | 'metadata' | 'endReason' | 'recordingUrl'

/** The field as stored, or from the API for a head call that needs it (sync when no fetch). */
function withDetail<K extends DetailField> (call: CallModel, field: K, loaders: { details: { load: (id: string) => Promise<CallRecord | null> } }): NonNullable<CallRecord[K]> | null | Promise<NonNullable<CallRecord[K]> | null> {
  const value = call[field]
  if (value !== null && value !== undefined) return value
  if (!needsDetail(call)) return null
  return loaders.details.load(call.conversationId).then((detail) => (detail?.[field] ?? null) as NonNullable<CallRecord[K]> | null)
}

const Call: CallResolvers = {
  conversationId: (c) => c.conversationId,
  callId: (c, _a, ctx) => withDetail(c, 'callId', ctx.loaders),
  agentId: (c) => c.agentId ?? null,
  agentName: (c) => c.agentName ?? null,
  callerNumber: (c, _a, ctx) => withDetail(c, 'callerNumber', ctx.loaders),
  calleeNumber: (c, _a, ctx) => withDetail(c, 'calleeNumber', ctx.loaders),
  status: (c) => c.status,
  direction: (c, _a, ctx) => withDetail(c, 'callDirection', ctx.loaders),
  callType: (c) => c.callType ?? null,
  startedAt: (c) => c.startedAt ?? null,
  endedAt: (c) => c.endedAt ?? null,
  durationSeconds: (c) => c.durationSeconds ?? 0,
  transcript: async (c, _a, ctx) => {
    if (Array.isArray(c.transcript)) return c.transcript
    if (c.stored) {
      const stored = await ctx.loaders.transcripts.load(c.conversationId)
      if (stored !== null) return stored
    }
    if (!needsDetail(c)) return null
    return (await ctx.loaders.details.load(c.conversationId))?.transcript ?? null
  },
  summary: (c, _a, ctx) => withDetail(c, 'summary', ctx.loaders),
  analysis: (c, _a, ctx) => withDetail(c, 'analysis', ctx.loaders),
  metadata: (c, _a, ctx) => withDetail(c, 'metadata', ctx.loaders),
  endReason: (c, _a, ctx) => withDetail(c, 'endReason', ctx.loaders),
  recordingUrl: (c, _a, ctx) => withDetail(c, 'recordingUrl', ctx.loaders),
  source: (c) => c.source,
  lastSyncedAt: (c) => c.lastSyncedAt ?? null
}

const TranscriptTurn: TranscriptTurnResolvers = {
  role: (t) => typeof t.role === 'string' ? t.role : 'unknown',
  message: (t) => typeof t.message === 'string' ? t.message : null,
  timeInCallSecs: (t) => typeof t.time_in_call_secs === 'number' ? t.time_in_call_secs : null
}

export const callResolvers: Pick<Resolvers, 'Call' | 'TranscriptTurn'> & { Query: Pick<QueryResolvers, 'calls' | 'call'> } = {
  Query: { calls, call },
  Call,
  TranscriptTurn
}
