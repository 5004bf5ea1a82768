import { isElevenLabsError } from '../elevenlabs/errors.js'

/** Refused because the service has no ElevenLabs to sync from (disabled mode). */
export class SyncUnavailableError extends Error {
  override name = 'SyncUnavailableError'
  readonly code = 'SYNC_UNAVAILABLE'
  constructor () {
    super('ElevenLabs is not configured (set ELEVENLABS_API_KEY), so there is nothing to sync from')
  }
}

/** The run was stopped from outside (a signal, the service closing) or lost its lock. */
export class SyncAbortedError extends Error {
  override name = 'SyncAbortedError'
  readonly code = 'SYNC_ABORTED'
}

/** Errors after which no later request of the run can succeed: the run stops at once. */
export function isFatalUpstreamError (err: unknown): boolean {
  return isElevenLabsError(err, 'ELEVENLABS_UNAUTHORIZED')
}

/**
 * One short line for the sync log and for logs. Client errors are built without the API key;
 * anything else is reduced to its code and first line, so a driver error cannot drag a query
 * (and the personal data bound into it) into the audit table.
 */
export function describeError (err: unknown): string {
  if (isElevenLabsError(err)) return `${err.code}${err.statusCode === undefined ? '' : ` (HTTP ${err.statusCode})`}: ${firstLine(err.message)}`
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    const prefix = typeof code === 'string' ? `${code}: ` : ''
    // SQL errors quote the statement after " - "; keep only the driver's reason.
    return `${prefix}${firstLine(err.message).split(' - ').pop() ?? ''}`.slice(0, 500)
  }
  return String(err).slice(0, 200)
}

function firstLine (text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 500)
}

export function errorCode (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'ERROR'
}
