import Fastify from 'fastify'
import { loadConfig } from '../../src/config.js'
import { createCallRepository } from '../../src/db/calls.js'
import { createKnex } from '../../src/db/knex.js'
import { clientOptionsFromConfig, createElevenLabsClient } from '../../src/elevenlabs/client.js'
import { hybridPage, type HybridPage } from '../../src/graphql/hybrid.js'
import { readHead } from '../../src/graphql/live-head.js'
import type { CallModel } from '../../src/graphql/models.js'
import { createStores, settingsFromConfig, silentLogger } from '../../src/sync/context.js'
import { createLiveHead } from '../../src/sync/head.js'
import { seedDate, seedOffset, seedSearch } from './seed-queries.js'

// The references, served by a plain Fastify process next to the server under test, over the
// same database and emulator:
// - /ref/calls: what the `calls` resolver does for a page (the same live head, the same
//   hybridPage reads) answered as the same JSON, without GraphQL;
// - /ref/seed/*: the seed's query patterns (leading-wildcard LIKE, DATE(column), plain OFFSET).

const config = loadConfig(process.env)
const knex = createKnex(config.database)
const calls = createCallRepository(knex, { timeZone: config.callsTimezone })
const client = createElevenLabsClient({ ...clientOptionsFromConfig(config), timeoutMs: config.apiTimeoutMs, retryLimit: 0 })
const deps = { knex, client, headClient: client, settings: settingsFromConfig(config), log: silentLogger }
const head = createLiveHead(deps, createStores(deps))

const app = Fastify({ logger: false })

const iso = (d: Date | null | undefined): string | null => d === null || d === undefined ? null : d.toISOString()

/** The fields the bench's GraphQL query asks for, in its order, as GraphQL would serialise them. */
function callJson (c: CallModel): Record<string, unknown> {
  return {
    conversationId: c.conversationId,
    callId: c.callId ?? null,
    agentName: c.agentName ?? null,
    callerNumber: c.callerNumber ?? null,
    calleeNumber: c.calleeNumber ?? null,
    status: c.status,
    direction: c.callDirection ?? null,
    callType: c.callType ?? null,
    startedAt: iso(c.startedAt),
    endedAt: iso(c.endedAt),
    durationSeconds: c.durationSeconds ?? 0,
    summary: c.summary ?? null,
    endReason: c.endReason ?? null,
    recordingUrl: c.recordingUrl ?? null,
    source: c.source
  }
}

function int (value: unknown, fallback: number): number {
  const n = Number(value)
  return Number.isInteger(n) && n > 0 ? n : fallback
}

app.get('/health', async () => ({ status: 'ok' }))

// The HTTP floor: the last page answered again from memory, no database, no head. What a
// request costs on this machine at this moment, to read the others against.
let lastPage = '{}'
app.get('/ref/floor', async (_request, reply) => await reply.type('application/json').send(lastPage))

app.get('/ref/calls', async (request) => {
  const q = request.query as Record<string, string | undefined>
  const page = int(q.page, 1)
  const pageSize = int(q.pageSize, 20)
  const filter = { search: q.search ?? null, date: q.date ?? null }
  const read = await readHead(head, { enabled: true, limit: config.hybridApiLimit, timeoutMs: config.apiTimeoutMs, log: request.log })
  const input = { head: read.head, filter, page, pageSize, timeZone: config.callsTimezone }
  const result: HybridPage = await hybridPage(calls, input)
  const fromApi = result.rows.filter((r) => r.source === 'api').length
  const body = {
    data: {
      calls: {
        data: result.rows.map(callJson),
        stats: {
          totalConversations: result.total,
          fromApi,
          fromDatabase: result.rows.length - fromApi,
          totalDurationMinutes: Math.round(result.durationSeconds / 60),
          apiStatus: read.apiStatus
        },
        pagination: { page, pageSize, total: result.total, totalPages: Math.ceil(result.total / pageSize) }
      }
    }
  }
  lastPage = JSON.stringify(body)
  return body
})

app.get('/ref/seed/search', async (request) => {
  const q = request.query as Record<string, string | undefined>
  const pageSize = int(q.pageSize, 20)
  const { rows, total } = await seedSearch(knex, q.q ?? '', int(q.page, 1), pageSize)
  return { data: rows, pagination: { total, totalPages: Math.ceil(total / pageSize) } }
})

app.get('/ref/seed/date', async (request) => {
  const q = request.query as Record<string, string | undefined>
  const pageSize = int(q.pageSize, 20)
  const { rows, total } = await seedDate(knex, q.date ?? '', int(q.page, 1), pageSize)
  return { data: rows, pagination: { total, totalPages: Math.ceil(total / pageSize) } }
})

app.get('/ref/seed/offset', async (request) => {
  const q = request.query as Record<string, string | undefined>
  const { rows } = await seedOffset(knex, int(q.page, 1), int(q.pageSize, 20))
  return { data: rows }
})

app.addHook('onClose', async () => {
  await head.settle()
  await knex.destroy()
})

await app.listen({ port: config.port, host: '127.0.0.1' })
process.stdout.write(`reference listening on ${config.port}\n`)

async function close (): Promise<void> {
  await app.close()
  process.exit(0)
}
process.once('SIGTERM', () => { void close() })
process.once('SIGINT', () => { void close() })
