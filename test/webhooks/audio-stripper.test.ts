import { createHmac, randomBytes } from 'node:crypto'
import { PassThrough, Readable } from 'node:stream'
import t from 'tap'
import { AudioStripper } from '../../src/webhooks/audio-stripper.js'
import { readWebhookBody } from '../../src/webhooks/body-reader.js'
import { WebhookError } from '../../src/webhooks/errors.js'

// What the stripper must produce: the same document with every full_audio string emptied.
function withoutAudio (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAudio)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = k === 'full_audio' && typeof v === 'string' ? '' : withoutAudio(v)
    return out
  }
  return value
}

function strip (text: string, chunkSizes: number[]): { kept: string, dropped: number } {
  const bytes = Buffer.from(text, 'utf8')
  const s = new AudioStripper()
  let pos = 0
  let i = 0
  while (pos < bytes.length) {
    const size = chunkSizes[i++ % chunkSizes.length] as number
    s.write(bytes.subarray(pos, pos + size))
    pos += size
  }
  return { kept: s.result().toString('utf8'), dropped: s.droppedBytes }
}

// Documents that stress the scanner: escapes right before quotes, the key text inside values,
// a non-string full_audio, nesting, unicode, and a full_audio that is itself full of escapes.
const DOCS: string[] = [
  JSON.stringify({ type: 'post_call_audio', data: { agent_id: 'a', conversation_id: 'c', full_audio: 'SUQzBAAAAAAAI1RTU0UAAAAPAAADTGF2ZjU4Ljc2LjEwMAAAAAAAAAAAAAAA//tQxAAD' } }),
  '{ "type" : "post_call_audio" , "data" : { "full_audio"  :\n  "QUJD\\/REVG\\\\\\"X" , "conversation_id":"c" } }',
  JSON.stringify({ note: 'full_audio', text: '"full_audio":"not this"', full_audio: null, data: { full_audio: 12 } }),
  JSON.stringify({ a: '\\', b: '\\\\"', c: 'x\\"full_audio\\"', data: { full_audio: 'a\\"b"c\\\\', conversation_id: 'é✓😀' } }),
  JSON.stringify({ list: [{ full_audio: 'one' }, { full_audio: 'two', k: 'v' }], full_audio_extra: 'kept', xfull_audio: 'kept too' }),
  JSON.stringify({ full_audio: '' }),
  JSON.stringify({ data: { full_audio: '\u0000\u001f"\\/' + 'Z'.repeat(300) } })
]

t.test('every full_audio string is emptied and the rest is kept byte for byte, whatever the chunking', async (t) => {
  for (const doc of DOCS) {
    const expected = withoutAudio(JSON.parse(doc))
    for (const sizes of [[doc.length + 1], [1], [2], [3], [5, 1, 7], [13], [64]]) {
      const { kept } = strip(doc, sizes)
      t.same(JSON.parse(kept), expected, `chunks ${sizes.join(',')}: ${doc.slice(0, 40)}`)
    }
  }
})

t.test('a split at every position of a tricky document gives the same result', async (t) => {
  const doc = DOCS[3] as string
  const bytes = Buffer.from(doc)
  const whole = strip(doc, [bytes.length]).kept
  let same = 0
  for (let cut = 1; cut < bytes.length; cut++) {
    const s = new AudioStripper()
    s.write(bytes.subarray(0, cut))
    s.write(bytes.subarray(cut))
    if (s.result().toString() === whole) same++
  }
  t.equal(same, bytes.length - 1)
})

t.test('random documents with escaped audio agree with JSON.parse', async (t) => {
  const alphabet = ['A', 'z', '+', '/', '\\', '"', 'é', '\n', '=', ' ']
  for (let n = 0; n < 200; n++) {
    let audio = ''
    const len = Math.floor(Math.random() * 60)
    for (let i = 0; i < len; i++) audio += alphabet[Math.floor(Math.random() * alphabet.length)]
    const doc = JSON.stringify({ type: 'post_call_audio', data: { conversation_id: `c${n}`, full_audio: audio, after: audio.slice(0, 5) } })
    const sizes = [1 + Math.floor(Math.random() * 9)]
    const { kept, dropped } = strip(doc, sizes)
    t.same(JSON.parse(kept), withoutAudio(JSON.parse(doc)))
    t.equal(dropped, Buffer.byteLength(JSON.stringify(audio)) - 2, 'dropped exactly the encoded value')
  }
})

t.test('the kept part of a 25 MB audio body stays small, and the HMAC covers every byte', async (t) => {
  const audio = randomBytes(19 * 1024 * 1024).toString('base64')
  const head = Buffer.from('{"type":"post_call_audio","event_timestamp":1739537297,"data":{"agent_id":"agent_1","conversation_id":"conv_big","full_audio":"')
  const tail = Buffer.from('"}}')
  const whole = Buffer.concat([head, Buffer.from(audio), tail])
  t.ok(whole.length > 25 * 1024 * 1024)
  const stream = new PassThrough()
  const reading = readWebhookBody(stream, createHmac('sha256', 'k').update('1.'), 60 * 1024 * 1024)
  for (let pos = 0; pos < whole.length; pos += 65_536) stream.write(whole.subarray(pos, pos + 65_536))
  stream.end()
  const body = await reading
  t.equal(body.bytes, whole.length)
  t.equal(body.audioBytes, audio.length)
  t.ok(body.json.length < 200, `kept ${body.json.length} bytes`)
  t.same(JSON.parse(body.json.toString()).data, { agent_id: 'agent_1', conversation_id: 'conv_big', full_audio: '' })
  t.equal(body.digest.toString('hex'), createHmac('sha256', 'k').update('1.').update(whole).digest('hex'))
})

t.test('a body over the limit stops with a 413, also when the audio is what is large', async (t) => {
  const doc = Buffer.from(JSON.stringify({ type: 'post_call_audio', data: { full_audio: 'A'.repeat(5000) } }))
  await t.rejects(readWebhookBody(Readable.from([doc.subarray(0, 3000), doc.subarray(3000)]), createHmac('sha256', 'k'), 4000),
    { name: 'WebhookError', statusCode: 413, code: 'body_too_large' })
  const ok = await readWebhookBody(Readable.from([doc]), createHmac('sha256', 'k'), doc.length)
  t.equal(ok.bytes, doc.length, 'exactly at the limit passes')
})

t.test('a body cut short is a 400, not a hang', async (t) => {
  const stream = new PassThrough()
  const reading = readWebhookBody(stream, createHmac('sha256', 'k'), 1000)
  stream.write('{"type":')
  stream.destroy(new Error('aborted'))
  await t.rejects(reading, new WebhookError(400, 'body_incomplete', 'the request body could not be read to its end'))
})
