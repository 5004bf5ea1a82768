import type { CallDirection, CallRecord, CallStatus, TranscriptTurn } from '../db/types.js'
import type { ApiPhoneCall, CallInitiationFailureData, Conversation, ConversationSummary } from './types.js'

// Pure translations from the ElevenLabs wire format into the store's CallRecord. What a source
// does not tell is left undefined (unknown), so the store keeps what it already has. Payloads
// come from outside: every read is defensive, and unknown fields or enum values never throw.

type Obj = Record<string, unknown>

function isObject (value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function str (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** A finite number, also from a numeric string (provider bodies send "486"). */
function num (value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value)
  return undefined
}

function fromUnix (seconds: number | undefined): Date | undefined {
  return seconds === undefined ? undefined : new Date(seconds * 1000)
}

// The list names a SIP call's initiation source `sip_trunk`; the full conversation names its
// phone_call type `sip_trunking`. One name, so a call does not change type between list and detail.
const CALL_TYPE_ALIASES: Record<string, string> = { sip_trunk: 'sip_trunking' }

function callTypeOf (source: string | undefined): string | undefined {
  return source === undefined ? undefined : CALL_TYPE_ALIASES[source] ?? source
}

export function mapStatus (apiStatus: unknown): CallStatus {
  switch (apiStatus) {
    case 'initiated': return 'waiting'
    case 'done': return 'done'
    case 'failed': return 'failed'
    // in-progress, processing, and anything new: not final, so a later sync revisits it.
    default: return 'in_progress'
  }
}

export function mapDirection (value: unknown): CallDirection | undefined {
  if (typeof value !== 'string') return undefined
  const v = value.toLowerCase()
  // Twilio says outbound-api / outbound-dial.
  if (v.startsWith('outbound')) return 'outbound'
  if (v.startsWith('inbound')) return 'inbound'
  return undefined
}

/** This service's own recording route: the API's needs the key, so browsers go through us. */
export function recordingPath (conversationId: string): string {
  return `/calls/${encodeURIComponent(conversationId)}/recording`
}

/**
 * start + duration, only once the call is over: a running call has no end yet ('processing'
 * is over, only its analysis is pending).
 */
function timing (apiStatus: unknown, start: number | undefined, duration: number | undefined): Pick<CallRecord, 'startedAt' | 'endedAt' | 'durationSeconds'> {
  const over = apiStatus === 'done' || apiStatus === 'failed' || apiStatus === 'processing'
  return {
    startedAt: fromUnix(start),
    endedAt: over && start !== undefined && duration !== undefined ? fromUnix(start + duration) : undefined,
    durationSeconds: duration === undefined ? undefined : Math.round(duration)
  }
}

/** A list item: no phone numbers and no transcript there, so those stay unknown. */
export function callFromSummary (s: ConversationSummary): CallRecord {
  const status = mapStatus(s.status)
  return {
    conversationId: s.conversation_id,
    status,
    agentId: str(s.agent_id),
    agentName: str(s.agent_name),
    callDirection: mapDirection(s.direction),
    callType: callTypeOf(str(s.conversation_initiation_source)),
    ...timing(s.status, num(s.start_time_unix_secs), num(s.call_duration_secs)),
    summary: str(s.transcript_summary),
    endReason: str(s.termination_reason),
    syncedFromApi: true
  }
}

function parties (phone: ApiPhoneCall): Pick<CallRecord, 'callerNumber' | 'calleeNumber' | 'callDirection'> {
  const direction = mapDirection(phone.direction)
  const external = str(phone.external_number)
  const agent = str(phone.agent_number)
  if (direction === 'inbound') return { callerNumber: external, calleeNumber: agent, callDirection: direction }
  if (direction === 'outbound') return { callerNumber: agent, calleeNumber: external, callDirection: direction }
  return {}
}

function transcriptOf (turns: unknown): TranscriptTurn[] | undefined {
  if (!Array.isArray(turns)) return undefined
  return turns.filter(isObject).map((turn) => ({
    ...turn,
    role: typeof turn.role === 'string' ? turn.role : String(turn.role ?? 'unknown'),
    message: typeof turn.message === 'string' ? turn.message : null
  }))
}

/** A full conversation (GET detail, or the data of a post_call_transcription webhook). */
export function callFromConversation (c: Conversation): CallRecord {
  const status = mapStatus(c.status)
  const metadata: Obj = isObject(c.metadata) ? c.metadata : {}
  const phone = isObject(metadata.phone_call) ? metadata.phone_call as ApiPhoneCall : undefined
  const analysis = isObject(c.analysis) ? c.analysis : undefined
  const hasAudio = typeof c.has_audio === 'boolean' ? c.has_audio : undefined
  return {
    conversationId: c.conversation_id,
    status,
    callId: phone === undefined ? undefined : str(phone.call_sid) ?? str(phone.call_id),
    agentId: str(c.agent_id),
    agentName: str(c.agent_name),
    ...(phone === undefined ? {} : parties(phone)),
    callType: str(phone?.type) ?? callTypeOf(str(metadata.conversation_initiation_source)) ?? (phone === undefined ? 'web' : undefined),
    ...timing(c.status, num(metadata.start_time_unix_secs), num(metadata.call_duration_secs)),
    transcript: transcriptOf(c.transcript),
    analysis,
    summary: str(analysis?.transcript_summary),
    metadata: isObject(c.metadata) ? c.metadata : undefined,
    endReason: str(metadata.termination_reason),
    hasAudio,
    recordingUrl: hasAudio === true ? recordingPath(c.conversation_id) : undefined,
    syncedFromApi: true
  }
}

// Provider bodies name things in their own way (Twilio: CallSid, From; SIP: call_id,
// from_number): keys are compared without case or separators.
function normalizeKey (key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '')
}

function pick (body: Obj, names: string[]): unknown {
  const wanted = new Set(names)
  for (const [key, value] of Object.entries(body)) {
    if (wanted.has(normalizeKey(key)) && value !== null && value !== undefined && value !== '') return value
  }
  return undefined
}

export interface InitiationFailureDetails {
  callerNumber?: string
  calleeNumber?: string
  callDirection?: CallDirection
  callId?: string
  sipStatusCode?: number
}

/** What a call_initiation_failure's provider body tells about the call that never started. */
export function initiationFailureDetails (data: CallInitiationFailureData): InitiationFailureDetails {
  const body = isObject(data.metadata) && isObject(data.metadata.body) ? data.metadata.body : {}
  const scalar = (value: unknown): string | undefined => typeof value === 'number' ? String(value) : str(value)
  return {
    callerNumber: scalar(pick(body, ['from', 'fromnumber', 'caller', 'callernumber'])),
    calleeNumber: scalar(pick(body, ['to', 'tonumber', 'callee', 'calleenumber', 'called'])),
    callDirection: mapDirection(pick(body, ['direction', 'calldirection'])),
    callId: scalar(pick(body, ['callsid', 'callid', 'sipcallid'])),
    sipStatusCode: num(pick(body, ['sipstatuscode', 'sipresponsecode', 'sipcode', 'statuscode']))
  }
}

function callFromInitiationFailure (data: CallInitiationFailureData, eventTimestamp: number | undefined): CallRecord {
  const details = initiationFailureDetails(data)
  const failureMetadata = isObject(data.metadata) ? data.metadata : undefined
  const providerType = str(failureMetadata?.type)
  return {
    conversationId: data.conversation_id,
    status: 'failed',
    agentId: str(data.agent_id),
    callerNumber: details.callerNumber,
    calleeNumber: details.calleeNumber,
    callDirection: details.callDirection,
    callId: details.callId,
    // The same names phone_call.type uses, so both kinds of record read alike.
    callType: providerType === 'sip' ? 'sip_trunking' : providerType,
    startedAt: fromUnix(eventTimestamp),
    endReason: str(data.failure_reason),
    // The provider's own metadata as received, plus the SIP code normalised to a number.
    metadata: failureMetadata === undefined && details.sipStatusCode === undefined
      ? undefined
      : { ...failureMetadata, ...(details.sipStatusCode === undefined ? {} : { sip_status_code: details.sipStatusCode }) },
    syncedFromApi: false
  }
}

/**
 * A webhook delivery as a call, or null when it carries no call this service knows how to store
 * (unknown type, or no conversation id).
 */
export function callFromWebhook (event: unknown): CallRecord | null {
  if (!isObject(event) || !isObject(event.data)) return null
  const data = event.data
  const conversationId = str(data.conversation_id)
  if (conversationId === undefined) return null
  switch (event.type) {
    case 'post_call_transcription':
      return { ...callFromConversation(data as Conversation), syncedFromApi: false }
    case 'post_call_audio':
      // A placeholder the transcription completes; the audio itself is never kept here.
      return {
        conversationId,
        agentId: str(data.agent_id),
        status: 'in_progress',
        hasAudio: true,
        recordingUrl: recordingPath(conversationId),
        syncedFromApi: false
      }
    case 'call_initiation_failure':
      return callFromInitiationFailure(data as CallInitiationFailureData, num(event.event_timestamp))
    default:
      return null
  }
}
