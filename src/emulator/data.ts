import type { ApiConversationStatus, ApiTranscriptTurn, Conversation, ConversationSummary } from '../elevenlabs/types.js'
import { hex32, mix32, Random, unmix32 } from './random.js'
import { FAILURE_REASONS, inboundScript, outboundScript, type Script } from './scenarios.js'

// Fake calls in the exact wire format (the official SDK's schemas accept them). A seeded call is
// a pure function of (seed, index, start time), so millions can be served without being held in
// memory: the id encodes the index, and the generator rebuilds the call on demand.

export const AGENTS = {
  inbound: { id: 'agent_0401k8m3n2q7fz5t9wq6c1r4hx2b', name: 'Biosanar Citas' },
  outbound: { id: 'agent_7701k8m5p4r3s2t1v0w9x8y7z6ab', name: 'Biosanar Recordatorios' }
} as const

const LINES = {
  twilio: { phoneNumberId: 'phnum_0101k7x2v9c8e3tq4m5r6s7y8z9a', number: '+576076916019' },
  sip_trunking: { phoneNumberId: 'phnum_5501k7y3w0d9f4ur5n6s7t8v9w0b', number: '+576076916020' }
} as const

export type Channel = 'twilio' | 'sip_trunking' | 'web'

/** Everything that decides a call; the wire objects are derived from it. */
export interface CallSpec {
  conversationId: string
  agentId: string
  agentName: string
  startUnix: number
  status: ApiConversationStatus
  channel: Channel
  direction: 'inbound' | 'outbound'
  externalNumber: string
  script: Script
  /** Transcript turns spoken so far (in-progress calls show a prefix). */
  spokenTurns: number
  durationSecs: number
  /** A failed call's termination reason and error. */
  failure?: readonly [string, { code: number, reason: string }]
  /** Seeds the ids a provider assigns (call sid, stream sid). */
  providerSeed: number
}

const MOBILE_PREFIXES = ['300', '301', '302', '304', '305', '310', '311', '312', '313', '314', '315', '316', '317', '318', '319', '320', '321', '322', '323', '350', '351'] as const

function externalNumber (r: Random): string {
  return r.weighted<() => string>([
    [() => `+57${r.pick(MOBILE_PREFIXES)}${r.digits(7)}`, 80],
    [() => `+57607${r.digits(7)}`, 12],
    [() => `+57601${r.digits(7)}`, 3],
    [() => `+1${r.pick(['415', '305', '212'])}555${r.digits(4)}`, 3],
    [() => `+34${r.pick(['6', '7'])}${r.digits(8)}`, 2]
  ])()
}

/** The index hidden in a seeded id, or undefined when the id is not one of this seed's. */
export function seededIndex (seed: number, conversationId: string): number | undefined {
  const m = /^conv_([0-9a-f]{8})[0-9a-f]{16}$/.exec(conversationId)
  if (m === null) return undefined
  return (unmix32(Number.parseInt(m[1] as string, 16)) ^ seedKey(seed)) >>> 0
}

function seedKey (seed: number): number {
  return mix32(seed ^ 0x9e3779b9)
}

function seededId (seed: number, index: number, r: Random): string {
  return `conv_${hex32(mix32((index ^ seedKey(seed)) >>> 0))}${r.hex(16)}`
}

/**
 * The call at `index` (0 = newest) of the seeded history. Statuses: the newest calls are the
 * ones still running (index 1 in progress, 3 processing), the rest mostly done, some failed.
 */
export function seededSpec (seed: number, index: number, startUnix: number): CallSpec {
  const r = new Random(mix32(seed) ^ mix32(index + 1))
  const conversationId = seededId(seed, index, r)
  const channel = r.weighted<Channel>([['twilio', 55], ['sip_trunking', 25], ['web', 20]])
  const direction = channel !== 'web' && r.chance(0.25) ? 'outbound' : 'inbound'
  let status: ApiConversationStatus = r.chance(0.08) ? 'failed' : 'done'
  if (index === 1) status = 'in-progress'
  if (index === 3) status = 'processing'
  return specFrom(r, { conversationId, startUnix, channel, direction, status })
}

export function specFrom (r: Random, base: { conversationId: string, startUnix: number, channel: Channel, direction: 'inbound' | 'outbound', status: ApiConversationStatus }): CallSpec {
  const agent = base.direction === 'outbound' ? AGENTS.outbound : AGENTS.inbound
  const script = base.direction === 'outbound' ? outboundScript(r) : inboundScript(r)
  const failure = base.status === 'failed' ? r.pick(FAILURE_REASONS) : undefined
  const spokenTurns = base.status === 'failed'
    ? r.int(0, 1)
    : base.status === 'in-progress' || base.status === 'initiated' ? Math.min(2, script.turns.length) : script.turns.length
  return {
    ...base,
    agentId: agent.id,
    agentName: agent.name,
    externalNumber: externalNumber(r),
    script,
    spokenTurns,
    durationSecs: base.status === 'failed' ? r.int(1, 6) : r.int(25, 95) + script.turns.length * r.int(4, 9),
    failure,
    providerSeed: Math.floor(r.next() * 4294967296)
  }
}

function isRunning (status: ApiConversationStatus): boolean {
  return status === 'in-progress' || status === 'initiated'
}

function transcriptOf (spec: CallSpec): ApiTranscriptTurn[] {
  const turns = spec.script.turns.slice(0, spec.spokenTurns)
  const step = turns.length > 0 ? Math.max(1, Math.floor(spec.durationSecs / (turns.length + 1))) : 0
  const r = new Random(spec.providerSeed ^ 0x51ed)
  return turns.map((turn, i) => {
    const requestId = `toolu_01${r.hex(22)}`
    return {
      role: turn.role,
      message: turn.message,
      tool_calls: turn.tool === undefined
        ? []
        : [{
            type: 'webhook',
            request_id: requestId,
            tool_name: turn.tool.name,
            params_as_json: JSON.stringify(turn.tool.params),
            tool_has_been_called: true,
            tool_details: { type: 'webhook', method: 'POST', url: `https://citas.biosanar.example/api/${turn.tool.name}`, headers: {}, path_params: {}, query_params: {}, body: JSON.stringify(turn.tool.params) }
          }],
      tool_results: turn.tool === undefined
        ? []
        : [{
            request_id: requestId,
            tool_name: turn.tool.name,
            result_value: JSON.stringify(turn.tool.result),
            is_error: false,
            tool_has_been_called: true,
            tool_latency_secs: Math.round(r.next() * 900) / 1000,
            dynamic_variable_updates: [],
            type: 'webhook'
          }],
      feedback: null,
      time_in_call_secs: i * step,
      interrupted: r.chance(0.05),
      original_message: null,
      source_medium: turn.role === 'user' ? (spec.channel === 'web' ? 'text' : 'audio') : null
    }
  })
}

function phoneCallOf (spec: CallSpec): Record<string, unknown> | null {
  if (spec.channel === 'web') return null
  const r = new Random(spec.providerSeed)
  const line = LINES[spec.channel]
  const common = { direction: spec.direction, phone_number_id: line.phoneNumberId, agent_number: line.number, external_number: spec.externalNumber }
  if (spec.channel === 'twilio') {
    return { ...common, type: 'twilio', stream_sid: `MZ${r.hex(32)}`, call_sid: `CA${r.hex(32)}` }
  }
  const uuid = r.hex(32)
  return {
    ...common,
    type: 'sip_trunking',
    call_sid: `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`,
    call_id: `${r.hex(14)}@sbc.biosanar.example`
  }
}

function initiationSource (channel: Channel): string {
  return channel === 'web' ? 'widget' : channel === 'twilio' ? 'twilio' : 'sip_trunk'
}

function hasAudio (spec: CallSpec): boolean {
  return (spec.status === 'done' || spec.status === 'failed') && spec.spokenTurns > 0
}

/** GET /v1/convai/conversations/{id}. */
export function conversationOf (spec: CallSpec): Conversation {
  const running = isRunning(spec.status)
  const analysed = spec.status === 'done'
  const phoneCall = phoneCallOf(spec)
  const transcript = transcriptOf(spec)
  const audio = hasAudio(spec)
  const dynamicVariables: Record<string, unknown> = {
    system__agent_id: spec.agentId,
    system__conversation_id: spec.conversationId,
    system__time_utc: new Date(spec.startUnix * 1000).toISOString()
  }
  if (phoneCall !== null) {
    dynamicVariables.system__caller_id = spec.direction === 'inbound' ? spec.externalNumber : phoneCall.agent_number
    dynamicVariables.system__called_number = spec.direction === 'inbound' ? phoneCall.agent_number : spec.externalNumber
    dynamicVariables.system__call_sid = phoneCall.call_sid
  }
  return {
    agent_id: spec.agentId,
    agent_name: spec.agentName,
    conversation_id: spec.conversationId,
    status: spec.status,
    user_id: null,
    branch_id: null,
    version_id: null,
    transcript,
    metadata: {
      start_time_unix_secs: spec.startUnix,
      accepted_time_unix_secs: spec.status === 'initiated' ? null : spec.startUnix,
      call_duration_secs: running ? 0 : spec.durationSecs,
      cost: running ? null : Math.round(spec.durationSecs * 6.6),
      feedback: { overall_score: null, likes: 0, dislikes: 0 },
      authorization_method: 'public',
      phone_call: phoneCall as Conversation['metadata']['phone_call'],
      batch_call: null,
      termination_reason: running || spec.status === 'processing' ? null : spec.failure?.[0] ?? spec.script.terminationReason,
      error: spec.failure?.[1] ?? null,
      main_language: 'es',
      text_only: false,
      conversation_initiation_source: initiationSource(spec.channel),
      timezone: 'America/Bogota'
    },
    analysis: analysed
      ? {
          evaluation_criteria_results: {
            atencion_resuelta: {
              criteria_id: 'atencion_resuelta',
              result: spec.script.successful,
              rationale: spec.script.successful === 'success' ? 'El asistente resolvió la solicitud del paciente.' : 'No se identificó la solicitud del usuario.'
            }
          },
          data_collection_results: Object.fromEntries(Object.entries(spec.script.data).map(([id, value]) => [id, { data_collection_id: id, value, rationale: `Dato mencionado durante la llamada: ${value}.` }])),
          call_successful: spec.script.successful,
          transcript_summary: spec.script.summary,
          call_summary_title: spec.script.title
        }
      : null,
    conversation_initiation_client_data: { custom_llm_extra_body: {}, dynamic_variables: dynamicVariables },
    has_audio: audio,
    has_user_audio: audio,
    has_response_audio: audio,
    has_auxiliary_audio: false
  }
}

/** A list item for GET /v1/convai/conversations; the summary only with summary_mode=include. */
export function summaryOf (spec: CallSpec, includeSummary: boolean): ConversationSummary {
  const running = isRunning(spec.status)
  const analysed = spec.status === 'done'
  const summary: ConversationSummary = {
    agent_id: spec.agentId,
    agent_name: spec.agentName,
    conversation_id: spec.conversationId,
    start_time_unix_secs: spec.startUnix,
    call_duration_secs: running ? 0 : spec.durationSecs,
    message_count: spec.spokenTurns,
    status: spec.status,
    call_successful: analysed ? spec.script.successful : spec.status === 'failed' ? 'failure' : 'unknown',
    termination_reason: running || spec.status === 'processing' ? null : spec.failure?.[0] ?? spec.script.terminationReason,
    call_summary_title: analysed ? spec.script.title : null,
    main_language: 'es',
    rating: null,
    tool_names: [...new Set(spec.script.turns.slice(0, spec.spokenTurns).flatMap((t) => t.tool === undefined ? [] : [t.tool.name]))],
    conversation_initiation_source: initiationSource(spec.channel)
  }
  if (spec.channel !== 'web') summary.direction = spec.direction
  if (includeSummary) summary.transcript_summary = analysed ? spec.script.summary : null
  return summary
}

/** Seconds of (fake) audio a call has; the audio endpoint sizes its bytes from it. */
export function audioSeconds (spec: CallSpec): number | undefined {
  return hasAudio(spec) ? spec.durationSecs : undefined
}
