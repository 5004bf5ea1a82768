// Named errors with stable codes, so callers branch on `code`, never on message text.
// Messages never include the API key (it only ever travels in a header).

export type ElevenLabsErrorCode =
  | 'ELEVENLABS_NOT_FOUND'
  | 'ELEVENLABS_UNAUTHORIZED'
  | 'ELEVENLABS_BAD_REQUEST'
  | 'ELEVENLABS_RATE_LIMITED'
  | 'ELEVENLABS_UPSTREAM'
  | 'ELEVENLABS_NETWORK'
  | 'ELEVENLABS_TIMEOUT'
  | 'ELEVENLABS_INVALID_RESPONSE'

export class ElevenLabsError extends Error {
  override name = 'ElevenLabsError'
  constructor (
    readonly code: ElevenLabsErrorCode,
    message: string,
    readonly statusCode?: number,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

export function isElevenLabsError (err: unknown, code?: ElevenLabsErrorCode): err is ElevenLabsError {
  return err instanceof ElevenLabsError && (code === undefined || err.code === code)
}
