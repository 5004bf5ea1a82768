import { randomBytes } from 'node:crypto'
import { Agent } from 'node:http'
import { CALLS_TABLE } from '../../src/db/calls.js'
import { prefixEnd } from '../../src/db/search.js'
import { signatureHeader } from '../../src/elevenlabs/signature.js'
import { pacedPost } from '../lib/paced.js'
import { addRow, ms, num, table } from '../lib/report.js'
import { transcriptionDelivery } from '../lib/webhook-bodies.js'
import type { Scenario } from './context.js'

// Scenario 7: post-call webhooks at a steady rate (open loop: each delivery leaves on schedule
// whatever the earlier ones are doing), each a different call, signed as ElevenLabs signs them.
// Then the stored rows are counted: every delivery answered 2xx must be there.

const P99_TARGET_MS = 50

export const scenario7: Scenario = {
  id: 7,
  name: 'webhook ingest',
  async run (ctx) {
    const { server, webhookSecret } = ctx.env
    const { webhookRate: rate, webhookSeconds: seconds } = ctx.opts
    const planned = rate * seconds
    const prefix = `conv_wh${randomBytes(3).toString('hex')}_`
    const now = Math.floor(Date.now() / 1000)
    // Bodies and signatures made up front: the load generator only sends.
    const deliveries = Array.from({ length: planned + rate }, (_, i) => {
      const body = transcriptionDelivery(`${prefix}${String(i).padStart(6, '0')}`, i, now)
      return { body, signature: signatureHeader(webhookSecret, body, now) }
    })
    const send = (i: number): { body: string, headers: Record<string, string> } => {
      const d = deliveries[i] as { body: string, signature: string }
      return { body: d.body, headers: { 'content-type': 'application/json', 'elevenlabs-signature': d.signature } }
    }
    // One second at the same rate first, not timed: it opens the keep-alive connections a
    // sender keeps, so the measured ten seconds are steady state, not connection set-up.
    const agent = new Agent({ keepAlive: true, maxSockets: 1024 })
    const warm = await pacedPost({ url: `${server.url}/webhooks/elevenlabs`, rate, seconds: 1, request: (i) => send(i), agent })
    const load = await pacedPost({ url: `${server.url}/webhooks/elevenlabs`, rate, seconds, request: (i) => send(warm.sent + i), agent })
    agent.destroy()
    const sent = warm.sent + load.sent
    const stored = Number((await ctx.db.knex(CALLS_TABLE).where('conversation_id', '>=', prefix).andWhere('conversation_id', '<', prefixEnd(prefix))
      .count({ n: '*' }).first() as { n: number | string }).n)
    // The sender waits for every answer, so every delivery sent must be answered 2xx and stored.
    const lost = sent - stored
    const t = table(`Scenario 7: webhook ingest, ${rate} signed post_call_transcription deliveries/s for ${seconds} s (${num(ctx.dataset.rows)} calls stored)`,
      ['measurement', 'p50', 'p99', 'deliveries/s', 'sent', 'answered 2xx', 'non-2xx / errors', 'rows stored', 'target', 'result'])
    addRow(t, [`latency over ${seconds} s`, ms(load.p50), ms(load.p99), num(load.rps), num(load.sent), num(load.ok), `${num(load.non2xx)} / ${num(load.errors)}`, '', `p99 ≤ ${P99_TARGET_MS} ms`],
      { what: `webhook p99 ${ms(load.p99)} at ${rate}/s (target ≤ ${P99_TARGET_MS} ms)`, verdict: load.p99 <= P99_TARGET_MS ? 'pass' : 'miss' })
    const zeroLost = lost === 0 && warm.ok + load.ok === sent && warm.non2xx + load.non2xx === 0 && warm.errors + load.errors === 0
    addRow(t, ['deliveries lost (warm-up second included)', '', '', '', num(sent), num(warm.ok + load.ok), `${num(warm.non2xx + load.non2xx)} / ${num(warm.errors + load.errors)}`, num(stored), '0 lost, 0 rejected', zeroLost ? 'pass' : '**MISS**'])
    t.verdicts.push({ what: `webhooks: ${num(warm.ok + load.ok)} acknowledged, ${num(stored)} stored, ${num(load.non2xx)} non-2xx, ${num(load.errors)} errors (target: none lost)`, verdict: zeroLost ? 'pass' : 'miss' })
    if (Object.keys(load.statusCodes).some((c) => !c.startsWith('2'))) t.notes.push(`Status codes: ${JSON.stringify(load.statusCodes)}.`)
    t.notes.push('Sent by bench/lib/paced.ts, one delivery every 1/rate s on keep-alive connections opened by an untimed warm-up second at the same rate; latency counts from the moment a delivery was due. (autocannon\'s rate limit sends each second\'s quota as one burst.)')
    t.notes.push(`Warm-up second: p50 ${ms(warm.p50)}, p99 ${ms(warm.p99)}.`)
    t.notes.push(`Each delivery is a different call (~${num(Buffer.byteLength(deliveries[0]?.body ?? ''))} bytes of JSON, 8 transcript turns); rows are counted in the database afterwards.`)
    return t
  }
}
