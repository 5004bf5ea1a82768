import type { Hmac } from 'node:crypto'
import type { Readable } from 'node:stream'
import { AudioStripper } from './audio-stripper.js'
import { WebhookError } from './errors.js'

export interface WebhookBody {
  /** The body without the audio (full_audio values emptied): small enough to JSON.parse. */
  json: Buffer
  /** HMAC over the signed prefix and every byte received, in order. */
  digest: Buffer
  /** Bytes received. */
  bytes: number
  /** Bytes of audio left out. */
  audioBytes: number
}

/**
 * Reads a delivery chunk by chunk: every byte goes to the HMAC (so the signature is checked over
 * exactly what was sent) and to the audio stripper (so memory stays at the size of the body
 * without its audio, whatever the audio weighs). Over `limitBytes` it stops with a 413.
 */
export async function readWebhookBody (stream: Readable, hmac: Hmac, limitBytes: number): Promise<WebhookBody> {
  const stripper = new AudioStripper()
  let bytes = 0
  return await new Promise<WebhookBody>((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeListener('data', onData)
      stream.removeListener('end', onEnd)
      stream.removeListener('error', onError)
      stream.removeListener('close', onClose)
    }
    const fail = (err: Error): void => {
      cleanup()
      // Drain and discard the rest rather than destroying the socket, so the error reply can
      // still be written.
      stream.resume()
      reject(err)
    }
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      bytes += buf.length
      if (bytes > limitBytes) {
        fail(tooLarge(limitBytes))
        return
      }
      hmac.update(buf)
      // What is kept is never more than what was received, so the limit bounds it too.
      stripper.write(buf)
    }
    const onEnd = (): void => {
      cleanup()
      resolve({ json: stripper.result(), digest: hmac.digest(), bytes, audioBytes: stripper.droppedBytes })
    }
    const onError = (err: Error): void => {
      cleanup()
      reject(new WebhookError(400, 'body_incomplete', 'the request body could not be read to its end', { cause: err }))
    }
    const onClose = (): void => {
      cleanup()
      reject(new WebhookError(400, 'body_incomplete', 'the connection closed before the request body ended'))
    }
    stream.on('data', onData)
    stream.once('end', onEnd)
    stream.once('error', onError)
    stream.once('close', onClose)
  })
}

export function tooLarge (limitBytes: number): WebhookError {
  return new WebhookError(413, 'body_too_large', `webhook body is larger than the limit of ${limitBytes} bytes (WEBHOOK_BODY_LIMIT_MB)`)
}
