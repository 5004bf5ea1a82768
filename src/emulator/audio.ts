import { Readable } from 'node:stream'

// Fake recordings: an ID3 tag and then MPEG-1 Layer III frame headers (128 kbit/s, 44.1 kHz)
// with silent payloads. Players may reject it; what matters here is bytes of a known size that
// flow as a stream, never built whole in memory.

const FRAME_BYTES = 417
const CHUNK_FRAMES = 16

function frameChunk (): Buffer {
  const chunk = Buffer.alloc(FRAME_BYTES * CHUNK_FRAMES)
  for (let i = 0; i < CHUNK_FRAMES; i++) chunk.set([0xff, 0xfb, 0x90, 0x64], i * FRAME_BYTES)
  return chunk
}

const ID3 = Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])
const CHUNK = frameChunk()

/** Default size: 2 kB per second of call, capped, so a long call is still quick to serve. */
export function audioSize (seconds: number, bytesPerSecond = 2000, maxBytes = 2 * 1024 * 1024): number {
  return Math.min(maxBytes, Math.max(ID3.length + FRAME_BYTES, Math.round(seconds * bytesPerSecond)))
}

/** A stream of exactly `size` bytes. */
export function audioStream (size: number): Readable {
  let sent = 0
  return new Readable({
    read () {
      if (sent >= size) {
        this.push(null)
        return
      }
      const piece = sent === 0 ? ID3 : CHUNK
      const n = Math.min(piece.length, size - sent)
      sent += n
      this.push(n === piece.length ? piece : piece.subarray(0, n))
    }
  })
}

/** The same bytes as one buffer (post_call_audio webhooks carry them base64-encoded). */
export function audioBytes (size: number): Buffer {
  const out = Buffer.alloc(size)
  let at = 0
  const first = ID3.subarray(0, Math.min(ID3.length, size))
  out.set(first, 0)
  at = first.length
  while (at < size) {
    const n = Math.min(CHUNK.length, size - at)
    out.set(CHUNK.subarray(0, n), at)
    at += n
  }
  return out
}
