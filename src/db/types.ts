// The call as this service stores and serves it. Every optional field may be absent from an
// incoming record (a list summary has no phone numbers and no transcript): absent or null means
// "unknown here", and an upsert never lets it erase a stored value.

export const CALL_STATUSES = ['waiting', 'in_progress', 'done', 'failed'] as const
export type CallStatus = typeof CALL_STATUSES[number]
export type CallDirection = 'inbound' | 'outbound'

/**
 * Merge order: a status only moves forward. done and failed are both final; where sources
 * disagree (an initiation failure and a full transcription of the same call), the transcription
 * proves the call happened, so done ranks last and its data wins over whatever came before.
 */
export const STATUS_RANK: Record<CallStatus, number> = { waiting: 0, in_progress: 1, failed: 2, done: 3 }

/** Widths of the stored columns (the migrations' sizes), so a record never overflows them. */
export const MAX_CONVERSATION_ID_LENGTH = 100

export function isFinalStatus (status: CallStatus): boolean {
  return status === 'done' || status === 'failed'
}

/** Stored final with its transcript: nothing the API could add to it. */
export function isComplete (status: CallStatus, hasTranscript: boolean): boolean {
  return isFinalStatus(status) && hasTranscript
}

export interface TranscriptTurn {
  role: string
  message: string | null
  time_in_call_secs?: number | null
  [extra: string]: unknown
}

export interface CallRecord {
  conversationId: string
  status: CallStatus
  callId?: string | null
  agentId?: string | null
  agentName?: string | null
  callerNumber?: string | null
  calleeNumber?: string | null
  callDirection?: CallDirection | null
  callType?: string | null
  startedAt?: Date | null
  endedAt?: Date | null
  durationSeconds?: number | null
  transcript?: TranscriptTurn[] | null
  analysis?: unknown
  summary?: string | null
  metadata?: unknown
  endReason?: string | null
  recordingUrl?: string | null
  hasAudio?: boolean | null
  syncedFromApi?: boolean | null
}

/** A stored call as read back; the transcript is loaded separately, on demand. */
export interface StoredCall extends Omit<CallRecord, 'transcript'> {
  id: number
  hasTranscript: boolean
  lastSyncedAt: Date | null
  createdAt: Date | null
  updatedAt: Date | null
}

export interface CallFilter {
  /** Phone digits (any formatting), or a conversation/call id or its prefix. */
  search?: string | null
  /** YYYY-MM-DD, a day in the configured calls time zone. */
  date?: string | null
}

/** A position in the newest-first order: (started_at DESC, conversation_id DESC). */
export interface CallCursor {
  startedAt: Date | null
  conversationId: string
}
