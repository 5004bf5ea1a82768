import { MAX_CONVERSATION_ID_LENGTH, type CallRecord } from '../db/types.js'
import { callFromWebhook } from '../elevenlabs/mapping.js'
import { WebhookError } from './errors.js'
import type { DeliveryWriter } from './writer.js'

export const KNOWN_EVENT_TYPES = ['post_call_transcription', 'post_call_audio', 'call_initiation_failure'] as const
export type KnownEventType = typeof KNOWN_EVENT_TYPES[number]

export type WebhookOutcome =
  | { status: 'stored', type: KnownEventType, conversationId: string, call: CallRecord }
  | { status: 'ignored', type: string }

type Obj = Record<string, unknown>

function isObject (value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isKnownType (type: string): type is KnownEventType {
  return (KNOWN_EVENT_TYPES as readonly string[]).includes(type)
}

/** The verified body as an event, or a 400 saying what is missing. */
export function parseEvent (json: Buffer): { type: string, event: Obj } {
  let event: unknown
  try {
    event = JSON.parse(json.toString('utf8'))
  } catch {
    throw new WebhookError(400, 'invalid_json', 'webhook body is not valid JSON')
  }
  if (!isObject(event)) throw new WebhookError(400, 'invalid_json', 'webhook body is not a JSON object')
  if (typeof event.type !== 'string' || event.type === '') throw new WebhookError(400, 'missing_type', 'webhook body has no "type"')
  return { type: event.type, event }
}

/** What to store for a known event; throws a 400 when it names no conversation. */
export function recordFor (type: KnownEventType, event: Obj): CallRecord {
  const data = event.data
  if (!isObject(data)) throw new WebhookError(400, 'missing_conversation_id', `${type} webhook has no "data" object`)
  if (typeof data.conversation_id !== 'string' || data.conversation_id === '') {
    throw new WebhookError(400, 'missing_conversation_id', `${type} webhook has no "data.conversation_id"`)
  }
  if (data.conversation_id.length > MAX_CONVERSATION_ID_LENGTH) {
    throw new WebhookError(400, 'invalid_conversation_id', `data.conversation_id is longer than ${MAX_CONVERSATION_ID_LENGTH} characters`)
  }
  const call = callFromWebhook(event)
  if (call === null) throw new WebhookError(400, 'missing_conversation_id', `${type} webhook carries no call to store`)
  return call
}

/** Verified JSON in, stored call (or an ignored unknown event) out. */
export async function handleWebhook (writer: DeliveryWriter, json: Buffer, extra: { audioBytes: number }): Promise<WebhookOutcome> {
  const { type, event } = parseEvent(json)
  if (!isKnownType(type)) return { status: 'ignored', type }
  const call = recordFor(type, event)
  const detail: Record<string, unknown> = { conversation_id: call.conversationId }
  if (typeof event.event_timestamp === 'number') detail.event_timestamp = event.event_timestamp
  if (type === 'post_call_audio') detail.full_audio_length = extra.audioBytes
  await writer.write({ type, call, detail })
  return { status: 'stored', type, conversationId: call.conversationId, call }
}
