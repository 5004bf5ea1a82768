import { signatureHeader } from '../elevenlabs/signature.js'
import { audioBytes, audioSize } from './audio.js'
import { conversationOf, type CallSpec } from './data.js'

// Post-call webhooks as ElevenLabs sends them: a JSON body signed with
// `ElevenLabs-Signature: t=<unix>,v0=<hmac>` over "<t>.<raw body>".

export type WebhookType = 'post_call_transcription' | 'post_call_audio' | 'call_initiation_failure'
export const WEBHOOK_TYPES: readonly WebhookType[] = ['post_call_transcription', 'post_call_audio', 'call_initiation_failure']

export interface Delivery {
  url: string
  type: WebhookType
  conversationId: string
  ok: boolean
  /** The receiver's status code, when it answered. */
  status?: number
  /** Why the delivery failed, when it never got an answer. */
  error?: string
}

export interface WebhookOptions {
  url?: string
  secret?: string
  /** post_call_audio: how many bytes of audio (default: sized from the call's duration). */
  audioBytes?: number
  /** call_initiation_failure: the provider body's shape (default: from the call's channel). */
  provider?: 'twilio' | 'sip'
  failureReason?: string
  /** Signature timestamp, unix seconds (tests of stale signatures). */
  timestamp?: number
}

// SIP answers for the usual failure reasons.
const SIP_CODES: Record<string, number> = { busy: 486, 'no-answer': 480, unknown: 500, rejected: 603, failed: 503 }

function initiationFailureData (spec: CallSpec, opts: WebhookOptions): Record<string, unknown> {
  const reason = opts.failureReason ?? 'busy'
  const provider = opts.provider ?? (spec.channel === 'sip_trunking' ? 'sip' : 'twilio')
  const agentNumber = spec.channel === 'sip_trunking' ? '+576076916020' : '+576076916019'
  const [from, to] = spec.direction === 'outbound' ? [agentNumber, spec.externalNumber] : [spec.externalNumber, agentNumber]
  const sipCode = SIP_CODES[reason] ?? 500
  const hex = spec.conversationId.replace(/^conv_/, '').padEnd(32, '0').slice(0, 32)
  const body = provider === 'sip'
    ? { sip_status_code: sipCode, error_reason: reason === 'busy' ? 'Busy Here' : reason === 'no-answer' ? 'Temporarily Unavailable' : 'Server Internal Error', call_id: `${hex.slice(0, 14)}@pbx.biosanar.example`, from_number: from, to_number: to, direction: spec.direction }
    : {
        // Twilio posts everything as strings.
        CallSid: `CA${hex}`,
        AccountSid: 'AC0123456789abcdef0123456789abcdef',
        From: from,
        Caller: from,
        To: to,
        Called: to,
        CallStatus: reason,
        Direction: spec.direction === 'outbound' ? 'outbound-api' : 'inbound',
        ApiVersion: '2010-04-01',
        SipResponseCode: String(sipCode),
        Duration: '0',
        CallDuration: '0',
        CallbackSource: 'call-progress-events',
        SequenceNumber: '0',
        Timestamp: new Date(spec.startUnix * 1000).toUTCString().replace('GMT', '+0000')
      }
  return { agent_id: spec.agentId, conversation_id: spec.conversationId, failure_reason: reason, metadata: { type: provider, body } }
}

/** The exact body ElevenLabs would POST for this call. */
export function webhookBody (type: WebhookType, spec: CallSpec, opts: WebhookOptions = {}, nowUnix = Math.floor(Date.now() / 1000)): string {
  let data: unknown
  if (type === 'post_call_transcription') data = conversationOf(spec)
  else if (type === 'post_call_audio') {
    const size = opts.audioBytes ?? audioSize(Math.max(spec.durationSecs, 1))
    data = { agent_id: spec.agentId, conversation_id: spec.conversationId, full_audio: audioBytes(size).toString('base64') }
  } else data = initiationFailureData(spec, opts)
  return JSON.stringify({ type, event_timestamp: nowUnix, data })
}

export class WebhookSender {
  url: string | undefined
  secret: string

  constructor (opts: { url?: string, secret: string }) {
    this.url = opts.url
    this.secret = opts.secret
  }

  /** POSTs a signed delivery. Never throws: a failed delivery is reported in the result. */
  async send (type: WebhookType, spec: CallSpec, opts: WebhookOptions = {}): Promise<Delivery> {
    const url = opts.url ?? this.url
    const result = { url: url ?? '', type, conversationId: spec.conversationId }
    if (url === undefined) return { ...result, ok: false, error: 'no webhook URL configured' }
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000)
    const body = webhookBody(type, spec, opts, Math.floor(Date.now() / 1000))
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'elevenlabs-signature': signatureHeader(opts.secret ?? this.secret, body, timestamp),
          'user-agent': 'elevenlabs-calls-emulator'
        },
        body,
        signal: AbortSignal.timeout(15_000)
      })
      await response.arrayBuffer()
      return { ...result, ok: response.ok, status: response.status }
    } catch (err) {
      return { ...result, ok: false, error: (err as Error).message }
    }
  }
}
