import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto'

// ElevenLabs-Signature: t=<unix seconds>,v0=<hex HMAC-SHA256 of "<t>.<raw body>">.

export const SIGNATURE_HEADER = 'elevenlabs-signature'
export const SIGNATURE_TOLERANCE_SECONDS = 30 * 60

/**
 * An HMAC already fed with the signed prefix `<t>.`; the body follows, in as many chunks as it
 * arrives. `timestamp` is the t= value as sent (the official verifier signs that text as is).
 */
export function createSignatureHmac (secret: string, timestamp: number | string): Hmac {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.`)
}

export function computeSignature (secret: string, timestamp: number | string, rawBody: Buffer | string): string {
  return createSignatureHmac(secret, timestamp).update(rawBody).digest('hex')
}

/** The header value ElevenLabs would send for this body. */
export function signatureHeader (secret: string, rawBody: Buffer | string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v0=${computeSignature(secret, timestamp, rawBody)}`
}

export interface ParsedSignature {
  timestamp: number
  /** The t= text as sent: what the digest covers. */
  rawTimestamp: string
  digests: string[]
}

export type SignatureFailure =
  | 'missing_header' | 'missing_timestamp' | 'missing_digest' | 'invalid_timestamp'
  | 'timestamp_too_old' | 'timestamp_in_future' | 'digest_mismatch'

export class SignatureError extends Error {
  override name = 'SignatureError'
  constructor (readonly reason: SignatureFailure, message: string) { super(message) }
}

/** Tolerant parse: spaces after commas, unknown keys ignored, several v0 values (key rotation). */
export function parseSignatureHeader (header: string | string[] | undefined): ParsedSignature {
  const value = Array.isArray(header) ? header.join(',') : header
  if (value === undefined || value.trim() === '') throw new SignatureError('missing_header', 'missing ElevenLabs-Signature header')
  let rawTimestamp: string | undefined
  const digests: string[] = []
  for (const part of value.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const key = part.slice(0, eq).trim()
    const val = part.slice(eq + 1).trim()
    // The first t= counts, as in the official verifier.
    if (key === 't') rawTimestamp ??= val
    else if (key === 'v0' && val !== '') digests.push(val)
  }
  if (rawTimestamp === undefined || rawTimestamp === '') throw new SignatureError('missing_timestamp', 'signature header has no t= timestamp')
  if (digests.length === 0) throw new SignatureError('missing_digest', 'signature header has no v0= digest')
  if (!/^\d{1,12}$/.test(rawTimestamp)) throw new SignatureError('invalid_timestamp', 'signature timestamp t= is not a number of seconds')
  return { timestamp: Number(rawTimestamp), rawTimestamp, digests }
}

/** Throws unless `timestamp` is within `toleranceSeconds` of now, either way. */
export function checkTimestamp (timestamp: number, nowSeconds: number, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS): void {
  const minutes = Math.round(toleranceSeconds / 60)
  if (timestamp < nowSeconds - toleranceSeconds) throw new SignatureError('timestamp_too_old', `signature timestamp is more than ${minutes} minutes old`)
  if (timestamp > nowSeconds + toleranceSeconds) throw new SignatureError('timestamp_in_future', `signature timestamp is more than ${minutes} minutes in the future`)
}

/**
 * Verifies a delivery against its raw bytes. Throws SignatureError saying what is wrong; the
 * digest comparison runs in constant time.
 */
export function verifySignature (opts: { secret: string, header: string | string[] | undefined, rawBody: Buffer | string, nowSeconds?: number, toleranceSeconds?: number }): void {
  const { timestamp, rawTimestamp, digests } = parseSignatureHeader(opts.header)
  checkTimestamp(timestamp, opts.nowSeconds ?? Math.floor(Date.now() / 1000), opts.toleranceSeconds)
  verifyDigests(createSignatureHmac(opts.secret, rawTimestamp).update(opts.rawBody).digest(), digests)
}

/** Constant-time check of candidate hex digests against the expected one. */
export function verifyDigests (expected: Buffer, digests: string[]): void {
  let ok = false
  let wellFormed = false
  for (const digest of digests) {
    const candidate = /^[0-9a-f]+$/i.test(digest) && digest.length === expected.length * 2 ? Buffer.from(digest, 'hex') : null
    wellFormed = wellFormed || candidate !== null
    const match = candidate !== null && timingSafeEqual(candidate, expected)
    ok = ok || match
  }
  if (ok) return
  if (!wellFormed) throw new SignatureError('digest_mismatch', `signature v0= digest is not ${expected.length * 2} hex characters`)
  throw new SignatureError('digest_mismatch', 'signature digest does not match the body')
}
