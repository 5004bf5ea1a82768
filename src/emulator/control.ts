import type { FastifyPluginAsync } from 'fastify'
import { conversationOf, specFrom, type Channel } from './data.js'
import { ENDPOINTS, type Endpoint, type FaultSpec } from './faults.js'
import { Random } from './random.js'
import { WEBHOOK_TYPES, type WebhookType } from './webhooks.js'
import type { Emulator } from './emulator.js'

// /_emulator/*: the same knobs tests have in code, over HTTP, for benchmarks and for poking a
// running emulator by hand (curl). No API key: the emulator only ever listens locally.

type Body = Record<string, unknown>

function body (raw: unknown): Body {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw as Body : {}
}

function optionalNumber (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function optionalString (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

const CHANNELS: readonly Channel[] = ['twilio', 'sip_trunking', 'web']

function channelOf (value: unknown): Channel | undefined {
  return CHANNELS.includes(value as Channel) ? value as Channel : undefined
}

function directionOf (value: unknown): 'inbound' | 'outbound' | undefined {
  return value === 'inbound' || value === 'outbound' ? value : undefined
}

const control: FastifyPluginAsync<{ emulator: Emulator }> = async (app, { emulator }) => {
  const { state, faults, stats, live, webhooks, latency } = emulator

  app.get('/_emulator', async () => ({
    calls: state.size,
    seed: state.seed,
    latency,
    faults: faults.list().map(({ transform, ...rest }) => rest),
    webhookUrl: webhooks.url ?? null
  }))

  app.get('/_emulator/stats', async () => stats.snapshot())
  app.post('/_emulator/stats/reset', async () => {
    stats.reset()
    return stats.snapshot()
  })

  app.put('/_emulator/latency', async (request, reply) => {
    const b = body(request.body)
    const ms = optionalNumber(b.ms)
    const endpoint = b.endpoint ?? 'all'
    if (ms === undefined || ms < 0 || (endpoint !== 'all' && !ENDPOINTS.includes(endpoint as Endpoint))) {
      return reply.code(400).send({ error: 'expected {"ms": >= 0, "endpoint"?: "all" | "list" | "detail" | "audio"}' })
    }
    latency[endpoint as Endpoint | 'all'] = ms
    return latency
  })

  app.get('/_emulator/faults', async () => faults.list().map(({ transform, ...rest }) => rest))
  app.post('/_emulator/faults', async (request, reply) => {
    const b = body(request.body)
    const endpoint = b.endpoint ?? 'all'
    if (endpoint !== 'all' && !ENDPOINTS.includes(endpoint as Endpoint)) {
      return reply.code(400).send({ error: 'endpoint must be one of all, list, detail, audio' })
    }
    const spec: FaultSpec = {
      endpoint: endpoint as Endpoint | 'all',
      conversationId: optionalString(b.conversationId),
      times: optionalNumber(b.times),
      skip: optionalNumber(b.skip),
      status: optionalNumber(b.status),
      retryAfter: optionalNumber(b.retryAfter) ?? optionalString(b.retryAfter),
      delayMs: optionalNumber(b.delayMs),
      reset: b.reset === true,
      invalidJson: b.invalidJson === true,
      nullCursor: b.nullCursor === true
    }
    const { transform, ...fault } = faults.add(spec)
    return reply.code(201).send(fault)
  })
  app.delete('/_emulator/faults', async () => {
    faults.clear()
    return []
  })

  /** Adds finished calls that started just now (newest first in the list). */
  app.post('/_emulator/calls', async (request, reply) => {
    const b = body(request.body)
    const count = optionalNumber(b.count) ?? 1
    if (count < 1 || count > 10_000) return reply.code(400).send({ error: 'count must be 1..10000' })
    const nowUnix = Math.floor(Date.now() / 1000)
    const ids: string[] = []
    for (let i = 0; i < count; i++) {
      const r = new Random(nowUnix ^ (state.size * 7919) ^ i)
      const channel = channelOf(b.channel) ?? r.weighted<Channel>([['twilio', 55], ['sip_trunking', 25], ['web', 20]])
      const spec = specFrom(r, {
        conversationId: state.newId(),
        startUnix: nowUnix - (count - 1 - i) * 60,
        channel,
        direction: directionOf(b.direction) ?? (channel !== 'web' && r.chance(0.25) ? 'outbound' : 'inbound'),
        status: b.status === 'failed' ? 'failed' : 'done'
      })
      state.put(spec)
      ids.unshift(spec.conversationId)
    }
    return reply.code(201).send({ conversationIds: ids })
  })

  app.post('/_emulator/live-calls', async (request, reply) => {
    const b = body(request.body)
    const conversation = live.start({
      channel: channelOf(b.channel),
      direction: directionOf(b.direction),
      externalNumber: optionalString(b.externalNumber),
      status: b.status === 'initiated' ? 'initiated' : 'in-progress'
    })
    return reply.code(201).send(conversation)
  })

  app.post('/_emulator/live-calls/:id/finish', async (request, reply) => {
    const b = body(request.body)
    const { id } = request.params as { id: string }
    const finished = await live.finish(id, {
      status: b.status === 'failed' ? 'failed' : 'done',
      webhook: typeof b.webhook === 'boolean' ? b.webhook : undefined,
      audioWebhook: b.audioWebhook === true,
      webhookOptions: { url: optionalString(b.webhookUrl) }
    })
    if (finished === undefined) return reply.code(404).send({ error: 'no such conversation' })
    return finished
  })

  app.post('/_emulator/live-calls/initiation-failure', async (request, reply) => {
    const b = body(request.body)
    const finished = await live.failInitiation({
      channel: channelOf(b.channel),
      direction: directionOf(b.direction),
      externalNumber: optionalString(b.externalNumber),
      webhook: typeof b.webhook === 'boolean' ? b.webhook : undefined,
      webhookOptions: {
        url: optionalString(b.webhookUrl),
        failureReason: optionalString(b.failureReason),
        provider: b.provider === 'sip' || b.provider === 'twilio' ? b.provider : undefined
      }
    })
    return reply.code(201).send(finished)
  })

  /** Sends one webhook about an existing call. */
  app.post('/_emulator/webhooks', async (request, reply) => {
    const b = body(request.body)
    const type = b.type as WebhookType
    const spec = state.get(optionalString(b.conversationId) ?? '')
    if (!WEBHOOK_TYPES.includes(type)) return reply.code(400).send({ error: `type must be one of ${WEBHOOK_TYPES.join(', ')}` })
    if (spec === undefined) return reply.code(404).send({ error: 'no such conversation' })
    return await webhooks.send(type, spec, {
      url: optionalString(b.url),
      audioBytes: optionalNumber(b.audioBytes),
      failureReason: optionalString(b.failureReason),
      provider: b.provider === 'sip' || b.provider === 'twilio' ? b.provider : undefined
    })
  })

  app.put('/_emulator/webhook-config', async (request, reply) => {
    const b = body(request.body)
    const url = optionalString(b.url)
    if (url !== undefined && !/^https?:\/\//.test(url)) return reply.code(400).send({ error: 'url must be http(s)' })
    webhooks.url = url
    const secret = optionalString(b.secret)
    if (secret !== undefined) webhooks.secret = secret
    return { url: webhooks.url ?? null }
  })

  app.get('/_emulator/conversations/:id', async (request, reply) => {
    const spec = state.get((request.params as { id: string }).id)
    if (spec === undefined) return reply.code(404).send({ error: 'no such conversation' })
    return conversationOf(spec)
  })
}

export default control
