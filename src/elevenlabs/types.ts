// The ElevenLabs Agents API wire format, as far as this service reads it (snake_case, as sent).
// Everything is open-ended on purpose: unknown fields and unknown enum values must pass through
// without breaking a parser, so enums are `KnownValue | (string & {})`.

type Open<T extends string> = T | (string & {})

export type ApiConversationStatus = Open<'initiated' | 'in-progress' | 'processing' | 'done' | 'failed'>
export type ApiCallSuccessful = Open<'success' | 'failure' | 'unknown'>
export type ApiDirection = Open<'inbound' | 'outbound'>

export interface ConversationSummary {
  agent_id: string
  agent_name?: string | null
  conversation_id: string
  start_time_unix_secs: number
  call_duration_secs: number
  message_count: number
  status: ApiConversationStatus
  call_successful: ApiCallSuccessful
  termination_reason?: string | null
  transcript_summary?: string | null
  call_summary_title?: string | null
  direction?: ApiDirection | null
  main_language?: string | null
  rating?: number | null
  tool_names?: string[] | null
  conversation_initiation_source?: string | null
  branch_id?: string | null
  version_id?: string | null
  [extra: string]: unknown
}

export interface ConversationsPage {
  conversations: ConversationSummary[]
  has_more: boolean
  next_cursor?: string | null
}

export interface ApiTranscriptTurn {
  role: Open<'user' | 'agent'>
  message?: string | null
  time_in_call_secs: number
  [extra: string]: unknown
}

export interface ApiPhoneCall {
  type: Open<'twilio' | 'sip_trunking' | 'exotel'>
  direction?: ApiDirection
  phone_number_id?: string
  agent_number?: string
  external_number?: string
  stream_sid?: string
  call_sid?: string
  call_id?: string | null
  [extra: string]: unknown
}

export interface ConversationMetadata {
  start_time_unix_secs: number
  call_duration_secs: number
  accepted_time_unix_secs?: number | null
  cost?: number | null
  termination_reason?: string | null
  error?: { code?: number | string, reason?: string | null } | null
  main_language?: string | null
  timezone?: string | null
  text_only?: boolean
  conversation_initiation_source?: string | null
  phone_call?: ApiPhoneCall | null
  batch_call?: { batch_call_id: string, batch_call_recipient_id: string } | null
  [extra: string]: unknown
}

export interface ConversationAnalysis {
  call_successful: ApiCallSuccessful
  transcript_summary?: string | null
  call_summary_title?: string | null
  call_success_score?: number | null
  evaluation_criteria_results?: Record<string, { criteria_id: string, result: string, rationale: string }>
  data_collection_results?: Record<string, { data_collection_id: string, value?: unknown, rationale: string }>
  [extra: string]: unknown
}

/** GET /v1/convai/conversations/{id}, and the `data` of a post_call_transcription webhook. */
export interface Conversation {
  agent_id: string
  agent_name?: string | null
  conversation_id: string
  status: ApiConversationStatus
  user_id?: string | null
  branch_id?: string | null
  version_id?: string | null
  environment?: string | null
  transcript: ApiTranscriptTurn[]
  metadata: ConversationMetadata
  analysis?: ConversationAnalysis | null
  has_audio: boolean
  has_user_audio: boolean
  has_response_audio: boolean
  conversation_initiation_client_data?: Record<string, unknown> | null
  tag_ids?: string[] | null
  [extra: string]: unknown
}

export interface PostCallAudioData {
  agent_id: string
  conversation_id: string
  /** Base64 MP3 of the whole call. The webhook route never keeps it. */
  full_audio?: string
  [extra: string]: unknown
}

export interface CallInitiationFailureData {
  agent_id: string
  conversation_id: string
  failure_reason?: string | null
  metadata?: { type: Open<'twilio' | 'sip'>, body?: Record<string, unknown> } | null
  [extra: string]: unknown
}

export type WebhookEvent =
  | { type: 'post_call_transcription', event_timestamp: number, data: Conversation }
  | { type: 'post_call_audio', event_timestamp: number, data: PostCallAudioData }
  | { type: 'call_initiation_failure', event_timestamp: number, data: CallInitiationFailureData }
  | { type: Exclude<string, 'post_call_transcription' | 'post_call_audio' | 'call_initiation_failure'>, event_timestamp?: number, data?: unknown }

export interface ListConversationsParams {
  cursor?: string | null
  /** 1..100; the client clamps, the API rejects more than 100. */
  pageSize?: number
  startAfterUnix?: number
  startBeforeUnix?: number
  agentId?: string
  summaryMode?: 'include' | 'exclude'
}

/** What the rest of the service needs from ElevenLabs (src/elevenlabs/client.ts implements it). */
export interface ElevenLabsClient {
  listConversations: (params?: ListConversationsParams) => Promise<ConversationsPage>
  getConversation: (conversationId: string) => Promise<Conversation>
  /** The recording as a stream (never buffered whole), with its content type. */
  getAudio: (conversationId: string) => Promise<{ stream: NodeJS.ReadableStream, contentType: string, contentLength?: number }>
}
