import type { Conversation } from '../elevenlabs/types.js'
import { conversationOf, specFrom, type CallSpec, type Channel } from './data.js'
import { Random, mix32 } from './random.js'
import type { EmulatorState } from './state.js'
import type { Delivery, WebhookOptions, WebhookSender } from './webhooks.js'

// Calls that happen while the emulator runs: one starts (visible as in progress in the list
// and the detail), ends later (done, full transcript) and ElevenLabs-style webhooks follow.

export interface StartOptions {
  channel?: Channel
  direction?: 'inbound' | 'outbound'
  externalNumber?: string
  /** 'in-progress' (default) or 'initiated' (ringing). */
  status?: 'in-progress' | 'initiated'
}

export interface FinishOptions {
  /** 'done' (default) or 'failed'. */
  status?: 'done' | 'failed'
  /** Send post_call_transcription (default: when a webhook URL is configured). */
  webhook?: boolean
  /** Also send post_call_audio after the transcription (default false). */
  audioWebhook?: boolean
  webhookOptions?: WebhookOptions
}

export interface Finished { conversation: Conversation, deliveries: Delivery[] }

export class LiveCalls {
  private readonly timers = new Map<NodeJS.Timeout, (value: undefined) => void>()
  private counter = 0
  private closed = false

  constructor (
    private readonly state: EmulatorState,
    private readonly webhooks: WebhookSender,
    private readonly clock: () => number
  ) {}

  private nowUnix (): number {
    return Math.floor(this.clock() / 1000)
  }

  private random (): Random {
    this.counter++
    return new Random(mix32(this.state.seed ^ 0x11fe) ^ mix32(this.counter) ^ (this.clock() >>> 0))
  }

  /** A new call, in progress now. */
  start (opts: StartOptions = {}): Conversation {
    const r = this.random()
    const channel = opts.channel ?? r.weighted<Channel>([['twilio', 60], ['sip_trunking', 25], ['web', 15]])
    const direction = opts.direction ?? (channel !== 'web' && r.chance(0.2) ? 'outbound' : 'inbound')
    const spec = specFrom(r, { conversationId: this.state.newId(), startUnix: this.nowUnix(), channel, direction, status: opts.status ?? 'in-progress' })
    if (opts.externalNumber !== undefined) spec.externalNumber = opts.externalNumber
    this.state.put(spec)
    return conversationOf(spec)
  }

  /** Ends a call (seeded or live): final status, whole transcript, then the webhooks. */
  async finish (conversationId: string, opts: FinishOptions = {}): Promise<Finished | undefined> {
    const current = this.state.get(conversationId)
    if (current === undefined) return undefined
    const status = opts.status ?? 'done'
    const elapsed = this.nowUnix() - current.startUnix
    const spec: CallSpec = {
      ...current,
      status,
      spokenTurns: status === 'failed' ? Math.min(1, current.script.turns.length) : current.script.turns.length,
      durationSecs: elapsed > 0 ? elapsed : current.durationSecs,
      failure: status === 'failed' ? current.failure ?? ['Call ended by remote party', { code: 1011, reason: 'Media stream closed unexpectedly' }] : undefined
    }
    this.state.put(spec)
    const deliveries: Delivery[] = []
    const sendWebhook = opts.webhook ?? this.webhooks.url !== undefined
    if (sendWebhook) {
      deliveries.push(await this.webhooks.send('post_call_transcription', spec, opts.webhookOptions))
      if (opts.audioWebhook === true && spec.spokenTurns > 0) deliveries.push(await this.webhooks.send('post_call_audio', spec, opts.webhookOptions))
    }
    return { conversation: conversationOf(spec), deliveries }
  }

  /** An outbound call that never connected: stored as failed, then call_initiation_failure. */
  async failInitiation (opts: StartOptions & { webhook?: boolean, webhookOptions?: WebhookOptions } = {}): Promise<Finished> {
    const r = this.random()
    const channel = opts.channel === 'web' ? 'twilio' : opts.channel ?? r.weighted<Channel>([['twilio', 60], ['sip_trunking', 40]])
    const spec: CallSpec = {
      ...specFrom(r, { conversationId: this.state.newId(), startUnix: this.nowUnix(), channel, direction: opts.direction ?? 'outbound', status: 'failed' }),
      spokenTurns: 0,
      durationSecs: 0
    }
    if (opts.externalNumber !== undefined) spec.externalNumber = opts.externalNumber
    spec.failure = [opts.webhookOptions?.failureReason ?? 'busy', { code: 1011, reason: 'Call initiation failed' }]
    this.state.put(spec)
    const deliveries: Delivery[] = []
    if (opts.webhook ?? this.webhooks.url !== undefined) deliveries.push(await this.webhooks.send('call_initiation_failure', spec, opts.webhookOptions))
    return { conversation: conversationOf(spec), deliveries }
  }

  /**
   * Starts a call and finishes it `finishAfterMs` later. `finished` never rejects; the timer
   * does not keep the process alive and is cancelled by close().
   */
  simulate (opts: StartOptions & FinishOptions & { finishAfterMs?: number } = {}): { conversationId: string, finished: Promise<Finished | undefined> } {
    const conversation = this.start(opts)
    const finished = new Promise<Finished | undefined>((resolve) => {
      if (this.closed) {
        resolve(undefined)
        return
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        this.finish(conversation.conversation_id, opts).then(resolve, () => resolve(undefined))
      }, opts.finishAfterMs ?? 5000)
      timer.unref()
      this.timers.set(timer, resolve)
    })
    return { conversationId: conversation.conversation_id, finished }
  }

  close (): void {
    this.closed = true
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer)
      resolve(undefined)
    }
    this.timers.clear()
  }
}
