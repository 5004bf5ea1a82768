import type { Knex } from 'knex'
import { createCallRepository } from '../db/calls.js'
import { createSyncLogRepository } from '../db/sync-log.js'
import type { CallRecord } from '../db/types.js'
import { callFromWebhook } from '../elevenlabs/mapping.js'
import { WebhookError } from './errors.js'

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
  const call = callFromWebhook(event)
  if (call === null) throw new WebhookError(400, 'missing_conversation_id', `${type} webhook carries no call to store`)
  return call
}

function isRetryable (err: unknown): boolean {
  const code = (err as { code?: string }).code
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY'
}

const STORE_ATTEMPTS = 4

/**
 * The call and its sync log row in one transaction: either both are stored or neither, so a
 * 503 (ElevenLabs retries) never leaves half a delivery behind, and a 200 means it is durable.
 * Merging is the store's: repeats and out-of-order deliveries converge on the same row.
 */
export async function storeDelivery (knex: Knex, opts: { timeZone: string }, type: KnownEventType, call: CallRecord, detail: Record<string, unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await knex.transaction(async (trx) => {
        await createCallRepository(trx, opts).upsert(call)
        await createSyncLogRepository(trx).create({
          syncType: 'webhook',
          trigger: type,
          status: 'success',
          recordsSynced: 1,
          completed: true,
          detail
        })
      })
      return
    } catch (err) {
      if (attempt < STORE_ATTEMPTS && isRetryable(err)) {
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20))
        continue
      }
      throw new WebhookError(503, 'database_unavailable', 'the delivery could not be stored right now; retry later', { cause: err })
    }
  }
}

/** Verified JSON in, stored call (or an ignored unknown event) out. */
export async function handleWebhook (knex: Knex, opts: { timeZone: string }, json: Buffer, extra: { audioBytes: number }): Promise<WebhookOutcome> {
  const { type, event } = parseEvent(json)
  if (!isKnownType(type)) return { status: 'ignored', type }
  const call = recordFor(type, event)
  const detail: Record<string, unknown> = { conversation_id: call.conversationId }
  if (typeof event.event_timestamp === 'number') detail.event_timestamp = event.event_timestamp
  if (type === 'post_call_audio') detail.full_audio_length = extra.audioBytes
  await storeDelivery(knex, opts, type, call, detail)
  return { status: 'stored', type, conversationId: call.conversationId, call }
}
