import { request } from 'node:http'
import { CALLS_TABLE } from '../../src/db/calls.js'
import { signatureHeader } from '../../src/elevenlabs/signature.js'
import { addRow, mb, ms, num, table } from '../lib/report.js'
import { audioDelivery } from '../lib/webhook-bodies.js'
import type { Scenario } from './context.js'

// Scenario 8: the server's memory. Its RSS is sampled every 100 ms from /proc while the other
// scenarios run; then a 25 MB post_call_audio delivery is sent chunked, as ElevenLabs sends
// them, and the process's own peak (VmHWM) is read again.

const RSS_TARGET_MB = 250
const AUDIO_BYTES = 25 * 1024 * 1024

async function postChunked (url: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number, ms: number, text: string }> {
  const started = process.hrtime.bigint()
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6, text: Buffer.concat(chunks).toString('utf8').slice(0, 300) }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    const chunk = 64 * 1024
    let offset = 0
    const pump = (): void => {
      while (offset < body.length) {
        const ok = req.write(body.subarray(offset, offset + chunk))
        offset += chunk
        if (!ok) {
          req.once('drain', pump)
          return
        }
      }
      req.end()
    }
    pump()
  })
}

export const scenario8: Scenario = {
  id: 8,
  name: 'memory',
  async run (ctx) {
    const { server, webhookSecret } = ctx.env
    const child = server.child
    child.sample()
    const beforeAudio = { rss: child.peakRssMb, hwm: child.hwmMb }
    const existing = await ctx.db.knex(CALLS_TABLE).select('conversation_id').where('id', Math.max(1, ctx.dataset.rows - 3)).first() as { conversation_id: string }
    const now = Math.floor(Date.now() / 1000)
    const body = audioDelivery(existing.conversation_id, AUDIO_BYTES, now)
    const res = await postChunked(`${server.url}/webhooks/elevenlabs`, body, {
      'content-type': 'application/json',
      'elevenlabs-signature': signatureHeader(webhookSecret, body, now)
    })
    // Let a lazy release show: the peak is what matters, and VmHWM keeps it.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const after = child.sample()
    const t = table('Scenario 8: server memory (RSS sampled every 100 ms from /proc; VmHWM is the kernel\'s own peak)',
      ['measurement', 'peak RSS (sampled)', 'VmHWM', 'current RSS', 'target', 'result'])
    for (const m of ctx.env.memory) addRow(t, [`after ${m.after}`, '', mb(m.hwmMb), mb(m.rssMb), '', ''])
    addRow(t, ['during scenarios run so far', mb(beforeAudio.rss), mb(beforeAudio.hwm), '', `≤ ${RSS_TARGET_MB} MB`],
      { what: `server peak RSS during the runs ${mb(beforeAudio.hwm)} (target ≤ ${RSS_TARGET_MB} MB)`, verdict: beforeAudio.hwm <= RSS_TARGET_MB ? 'pass' : 'miss' })
    const audioOk = res.status >= 200 && res.status < 300
    addRow(t, [`after a ${num(body.length / 1024 / 1024, 1)} MB post_call_audio (answered ${res.status} in ${ms(res.ms)})`, mb(child.peakRssMb), mb(child.hwmMb), after === null ? 'n/a' : mb(after.rssMb), `≤ ${RSS_TARGET_MB} MB, answered 2xx`],
      { what: `server peak RSS with a 25 MB audio webhook ${mb(child.hwmMb)}, answered ${res.status} (target ≤ ${RSS_TARGET_MB} MB and 2xx)`, verdict: audioOk && child.hwmMb <= RSS_TARGET_MB ? 'pass' : 'miss' })
    if (!audioOk) t.notes.push(`The audio delivery was answered ${res.status}: ${res.text}`)
    t.notes.push(`The server runs as ${ctx.env.runtime}.`)
    return t
  }
}
