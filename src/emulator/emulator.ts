import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { audioSeconds, conversationOf, summaryOf } from './data.js'
import { audioSize, audioStream } from './audio.js'
import { EmulatorStats, FaultInjector, type Endpoint, type Fault } from './faults.js'
import { LiveCalls } from './live.js'
import { EmulatorState, type Position } from './state.js'
import { WebhookSender } from './webhooks.js'
import controlRoutes from './control.js'

// A local ElevenLabs: the three endpoints this service reads, in the real wire format, over
// deterministic seeded data, plus knobs (latency, faults, live calls, webhooks) for tests and
// benchmarks. Control endpoints live under /_emulator/* and need no API key.

export const DEFAULT_EMULATOR_API_KEY = 'emulator-key'

export interface EmulatorOptions {
  apiKey?: string
  /** Seeded calls (default 250). */
  count?: number
  seed?: number
  /** Where the seeded history ends (default: the start of the current hour). */
  now?: Date | number
  /** Added to every API request. */
  latencyMs?: number
  /** Where live calls' webhooks go. */
  webhookUrl?: string
  /** Signs webhooks (default: random). */
  webhookSecret?: string
  /** Bytes of fake audio per second of call (default 2000). */
  audioBytesPerSecond?: number
  /** The clock live calls use, in ms (default Date.now). */
  clock?: () => number
  logger?: FastifyServerOptions['logger']
}

export interface Emulator {
  app: FastifyInstance
  apiKey: string
  state: EmulatorState
  faults: FaultInjector
  stats: EmulatorStats
  live: LiveCalls
  webhooks: WebhookSender
  latency: Record<Endpoint | 'all', number>
  /** Base URL once listening. */
  url: string | undefined
  listen: (opts?: { port?: number, host?: string }) => Promise<string>
  close: () => Promise<void>
}

declare module 'fastify' {
  interface FastifyContextConfig {
    emulatorEndpoint?: Endpoint
  }
}

function detail (status: string, message: string): { detail: { status: string, message: string } } {
  return { detail: { status, message } }
}

/** A FastAPI-style validation error, as the real API answers bad parameters. */
function validationError (param: string, type: string, msg: string, input: unknown): { detail: unknown[] } {
  return { detail: [{ type, loc: ['query', param], msg, input }] }
}

export function encodeCursor (p: Position): string {
  return Buffer.from(JSON.stringify([p.start, p.id])).toString('base64url')
}

export function decodeCursor (raw: string): Position | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') return { start: value[0], id: value[1] }
  } catch {}
  return undefined
}

function startOfHour (ms: number): number {
  return Math.floor(ms / 3_600_000) * 3600
}

type Query = Record<string, string | string[] | undefined>

function one (q: Query, name: string): string | undefined {
  const v = q[name]
  return Array.isArray(v) ? v[v.length - 1] : v
}

export function buildEmulator (opts: EmulatorOptions = {}): Emulator {
  const clock = opts.clock ?? Date.now
  const apiKey = opts.apiKey ?? DEFAULT_EMULATOR_API_KEY
  const nowUnix = opts.now === undefined ? startOfHour(clock()) : Math.floor((typeof opts.now === 'number' ? opts.now : opts.now.getTime()) / 1000)
  const state = new EmulatorState({ count: opts.count ?? 250, seed: opts.seed ?? 1, nowUnix })
  const faults = new FaultInjector()
  const stats = new EmulatorStats()
  const webhooks = new WebhookSender({ url: opts.webhookUrl, secret: opts.webhookSecret ?? `whsec_${randomBytes(24).toString('hex')}` })
  const live = new LiveCalls(state, webhooks, clock)
  const latency: Record<Endpoint | 'all', number> = { all: opts.latencyMs ?? 0, list: 0, detail: 0, audio: 0 }
  const bytesPerSecond = opts.audioBytesPerSecond ?? 2000
  const applied = new WeakMap<FastifyRequest, Fault>()
  const arrivals = new WeakMap<FastifyRequest, { startedAt: number, inFlightAtStart: Record<Endpoint, number>, end: () => void }>()

  // forceCloseConnections: clients keep connections alive; close() must not wait for them.
  const app = Fastify({ logger: opts.logger ?? false, forceCloseConnections: true })

  app.addHook('onRequest', async (request, reply) => {
    const endpoint = request.routeOptions.config.emulatorEndpoint
    if (endpoint === undefined) return
    const arrival = { startedAt: Date.now(), ...stats.begin(endpoint) }
    arrivals.set(request, arrival)
    // Also when the connection drops before an answer (a reset fault, a client giving up).
    reply.raw.once('close', arrival.end)
    const wait = latency.all + latency[endpoint]
    if (wait > 0) await sleep(wait)
    const key = request.headers['xi-api-key']
    if (key === undefined || key === '') {
      return reply.code(401).send(detail('needs_authorization', 'Neither authorization header nor xi-api-key received, please provide one.'))
    }
    if (key !== apiKey) return reply.code(401).send(detail('invalid_api_key', 'Invalid API key'))
    const fault = faults.take(endpoint, (request.params as { id?: string }).id)
    if (fault === undefined) return
    applied.set(request, fault)
    if (fault.delayMs !== undefined && fault.delayMs > 0) await sleep(fault.delayMs)
    if (fault.reset === true) {
      arrival.end()
      stats.record({ endpoint, method: request.method, url: request.url, status: 0, at: Date.now(), startedAt: arrival.startedAt, inFlightAtStart: arrival.inFlightAtStart }, { fault: true })
      reply.hijack()
      request.raw.socket.destroy()
      return reply
    }
    if (fault.invalidJson === true) return reply.code(200).type('application/json').send('{"conversations": [{"agent_id": tru')
    if (fault.status !== undefined) {
      if (fault.retryAfter !== undefined) reply.header('retry-after', String(fault.retryAfter))
      const body = fault.status === 429
        ? detail('rate_limit_exceeded', 'Too many concurrent requests. Please try again later.')
        : fault.status >= 500 ? detail('internal_server_error', 'Something went wrong, please try again later.') : detail('error', `Injected ${fault.status}`)
      return reply.code(fault.status).send(body)
    }
  })

  app.addHook('onResponse', async (request, reply) => {
    const endpoint = request.routeOptions.config.emulatorEndpoint
    const arrival = arrivals.get(request)
    if (endpoint === undefined || arrival === undefined) return
    arrival.end()
    stats.record({ endpoint, method: request.method, url: request.url, status: reply.statusCode, at: Date.now(), startedAt: arrival.startedAt, inFlightAtStart: arrival.inFlightAtStart }, { unauthorized: reply.statusCode === 401, fault: applied.has(request) })
  })

  function send (request: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
    const fault = applied.get(request)
    return reply.send(fault?.transform !== undefined ? fault.transform(body) : body)
  }

  app.get('/v1/convai/conversations', { config: { emulatorEndpoint: 'list' } }, async (request, reply) => {
    const q = request.query as Query
    const rawSize = one(q, 'page_size')
    let pageSize = 30
    if (rawSize !== undefined) {
      if (!/^-?\d+$/.test(rawSize)) return reply.code(422).send(validationError('page_size', 'int_parsing', 'Input should be a valid integer, unable to parse string as an integer', rawSize))
      pageSize = Number(rawSize)
      if (pageSize > 100) return reply.code(422).send(validationError('page_size', 'less_than_equal', 'Input should be less than or equal to 100', rawSize))
      if (pageSize < 1) return reply.code(422).send(validationError('page_size', 'greater_than_equal', 'Input should be greater than or equal to 1', rawSize))
    }
    const unix: Record<string, number | undefined> = {}
    for (const name of ['call_start_after_unix', 'call_start_before_unix']) {
      const raw = one(q, name)
      if (raw === undefined) continue
      if (!/^\d+$/.test(raw)) return reply.code(422).send(validationError(name, 'int_parsing', 'Input should be a valid integer, unable to parse string as an integer', raw))
      unix[name] = Number(raw)
    }
    const summaryMode = one(q, 'summary_mode') ?? 'exclude'
    if (summaryMode !== 'include' && summaryMode !== 'exclude') {
      return reply.code(422).send(validationError('summary_mode', 'enum', "Input should be 'exclude' or 'include'", summaryMode))
    }
    const rawCursor = one(q, 'cursor')
    const cursor = rawCursor === undefined || rawCursor === '' ? undefined : decodeCursor(rawCursor)
    if (rawCursor !== undefined && rawCursor !== '' && cursor === undefined) {
      return reply.code(422).send(validationError('cursor', 'value_error', 'Invalid cursor', rawCursor))
    }
    const excluded = q.exclude_statuses
    const page = state.list({
      cursor,
      pageSize,
      startAfterUnix: unix.call_start_after_unix,
      startBeforeUnix: unix.call_start_before_unix,
      agentId: one(q, 'agent_id'),
      excludeStatuses: excluded === undefined ? undefined : Array.isArray(excluded) ? excluded : [excluded]
    })
    const last = page.specs[page.specs.length - 1]
    const nullCursor = applied.get(request)?.nullCursor === true
    return send(request, reply, {
      conversations: page.specs.map((spec) => summaryOf(spec, summaryMode === 'include')),
      has_more: page.hasMore,
      next_cursor: page.hasMore && last !== undefined && !nullCursor ? encodeCursor({ start: last.startUnix, id: last.conversationId }) : null
    })
  })

  app.get('/v1/convai/conversations/:id', { config: { emulatorEndpoint: 'detail' } }, async (request, reply) => {
    const { id } = request.params as { id: string }
    const spec = state.get(id)
    if (spec === undefined) return reply.code(404).send(detail('conversation_not_found', 'Conversation not found'))
    return send(request, reply, conversationOf(spec))
  })

  app.get('/v1/convai/conversations/:id/audio', { config: { emulatorEndpoint: 'audio' } }, async (request, reply) => {
    const { id } = request.params as { id: string }
    const spec = state.get(id)
    if (spec === undefined) return reply.code(404).send(detail('conversation_not_found', 'Conversation not found'))
    const seconds = audioSeconds(spec)
    if (seconds === undefined) return reply.code(404).send(detail('audio_not_found', 'Audio not found for this conversation'))
    const size = audioSize(seconds, bytesPerSecond)
    return reply.type('audio/mpeg').header('content-length', size).send(audioStream(size))
  })

  const emulator: Emulator = {
    app,
    apiKey,
    state,
    faults,
    stats,
    live,
    webhooks,
    latency,
    url: undefined,
    async listen (listenOpts = {}) {
      const host = listenOpts.host ?? '127.0.0.1'
      await app.listen({ port: listenOpts.port ?? 0, host })
      const address = app.server.address()
      const port = typeof address === 'object' && address !== null ? address.port : listenOpts.port
      emulator.url = `http://${host.includes(':') ? `[${host}]` : host}:${String(port)}`
      return emulator.url
    },
    async close () {
      live.close()
      await app.close()
    }
  }
  app.register(controlRoutes, { emulator })
  return emulator
}
