// A rejected delivery: the HTTP status ElevenLabs sees and a stable code for the JSON body.

export type WebhookErrorCode =
  | 'webhook_secret_not_configured'
  | 'missing_header' | 'missing_timestamp' | 'missing_digest' | 'invalid_timestamp'
  | 'timestamp_too_old' | 'timestamp_in_future' | 'digest_mismatch'
  | 'body_too_large' | 'body_incomplete' | 'invalid_json' | 'missing_type' | 'missing_conversation_id' | 'invalid_conversation_id'
  | 'database_unavailable'

export class WebhookError extends Error {
  override name = 'WebhookError'
  constructor (readonly statusCode: number, readonly code: WebhookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

export interface WebhookErrorBody { error: string, message: string }
