// A post_call_audio body is mostly one huge JSON string: the base64 MP3 of the whole call in
// `full_audio`. This scanner copies a JSON document chunk by chunk and leaves the value of every
// `full_audio` string out (it keeps `"full_audio":""`), so what remains is small enough to
// JSON.parse and the audio is never held whole. It tracks just enough JSON to know where strings
// start and end (escapes included, across chunk boundaries); it does not validate the document:
// JSON.parse does that on what is kept.

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a

const AUDIO_KEY = Buffer.from('full_audio')

type State =
  | 'outside' // between tokens
  | 'string' // inside a string that is kept
  | 'afterKey' // after `"full_audio"`, waiting for the colon
  | 'afterColon' // after `"full_audio":`, waiting for the value
  | 'dropping' // inside the full_audio string, not kept

function isSpace (byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d
}

export class AudioStripper {
  private state: State = 'outside'
  /** The next byte of the current string is escaped (a backslash came before it). */
  private escaped = false
  /** How many bytes of the current string matched AUDIO_KEY so far; -1 once it cannot match. */
  private keyMatch = 0
  private readonly kept: Buffer[] = []
  private keptLength = 0
  /** Bytes of full_audio values left out. */
  droppedBytes = 0

  get keptBytes (): number {
    return this.keptLength
  }

  write (chunk: Buffer): void {
    let keepFrom = 0
    let i = 0
    const n = chunk.length
    while (i < n) {
      switch (this.state) {
        case 'dropping': {
          const end = this.findStringEnd(chunk, i)
          if (end === -1) {
            this.droppedBytes += n - i
            i = n
            keepFrom = n
          } else {
            this.droppedBytes += end - i
            // Resume keeping at the closing quote, so the value reads as "".
            keepFrom = end
            i = end + 1
            this.state = 'outside'
          }
          break
        }
        case 'string': {
          if (this.keyMatch === -1) {
            // Cannot be the key any more: skip to its end natively (transcripts can be long).
            const end = this.findStringEnd(chunk, i)
            if (end === -1) {
              i = n
            } else {
              i = end + 1
              this.state = 'outside'
            }
            break
          }
          const byte = chunk[i] as number
          if (this.escaped || byte === BACKSLASH) {
            this.escaped = !this.escaped
            this.keyMatch = -1
          } else if (byte === QUOTE) {
            this.state = this.keyMatch === AUDIO_KEY.length ? 'afterKey' : 'outside'
          } else {
            this.keyMatch = this.keyMatch < AUDIO_KEY.length && AUDIO_KEY[this.keyMatch] === byte ? this.keyMatch + 1 : -1
          }
          i++
          break
        }
        case 'afterKey': {
          const byte = chunk[i] as number
          if (byte === COLON) this.state = 'afterColon'
          // A string followed by something else was a value, not the key.
          else if (!isSpace(byte)) { this.state = 'outside'; break }
          i++
          break
        }
        case 'afterColon': {
          const byte = chunk[i] as number
          if (byte === QUOTE) {
            i++
            this.push(chunk, keepFrom, i)
            keepFrom = i
            this.state = 'dropping'
            this.escaped = false
          } else if (isSpace(byte)) {
            i++
          } else {
            // Not a string (null, a number): keep it as it is.
            this.state = 'outside'
          }
          break
        }
        case 'outside': {
          // Only a quote changes anything here; jump straight to the next one.
          const quote = chunk.indexOf(QUOTE, i)
          if (quote === -1) {
            i = n
          } else {
            i = quote + 1
            this.state = 'string'
            this.escaped = false
            this.keyMatch = 0
          }
          break
        }
      }
    }
    this.push(chunk, keepFrom, n)
  }

  /** What was kept: the whole document but the audio. */
  result (): Buffer {
    return this.kept.length === 1 ? this.kept[0] as Buffer : Buffer.concat(this.kept, this.keptLength)
  }

  private push (chunk: Buffer, from: number, to: number): void {
    if (to <= from) return
    this.keptLength += to - from
    // A copy: the caller's chunk may be a slice of a pooled buffer that gets reused.
    this.kept.push(Buffer.from(chunk.subarray(from, to)))
  }

  /**
   * Index of the quote that closes the current string, or -1 when it is not in this chunk (then
   * `escaped` carries over). Native indexOf: the audio is megabytes of base64.
   */
  private findStringEnd (chunk: Buffer, from: number): number {
    let pos = from
    while (true) {
      const quote = chunk.indexOf(QUOTE, pos)
      const stop = quote === -1 ? chunk.length : quote
      // Backslashes right before `stop`, plus the one carried in if that run reaches `pos`.
      let run = 0
      while (stop - run - 1 >= pos && chunk[stop - run - 1] === BACKSLASH) run++
      if (stop - run === pos && this.escaped) run++
      if (quote === -1) {
        this.escaped = run % 2 === 1
        return -1
      }
      this.escaped = false
      if (run % 2 === 0) return quote
      pos = quote + 1
    }
  }
}
