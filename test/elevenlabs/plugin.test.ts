import { connect, createServer, type Server } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import appPlugin from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { emulatorEnv, startEmulator } from '../helpers/emulator.js'

interface Test { teardown: (fn: () => unknown) => void }

/**
 * As buildTestApp, but the app is registered without encapsulation, so the test can read the
 * decorators this plugin adds (elevenlabs, elevenlabsMode, webhookSecret, ...).
 */
async function buildApp (t: Test, env: Record<string, string>, opts: { listen?: boolean } = {}): Promise<{ app: FastifyInstance }> {
  const db = await createTestDb(t)
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', POLL_INTERVAL_SECONDS: '0', DATABASE_URL: db.url, ...env })
  const app = Fastify({ logger: false })
  await app.register(fp(appPlugin), { config, knex: db.knex })
  if (opts.listen === true) await app.listen({ port: 0, host: '127.0.0.1' })
  else await app.ready()
  t.teardown(async () => { await app.close() })
  return { app }
}

async function waitFor<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Whether a fresh TCP connection to the URL's port is refused (nobody listens). */
async function refused (url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return await new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    socket.once('connect', () => { socket.destroy(); resolve(false) })
    socket.once('error', (err) => { resolve((err as { code?: string }).code === 'ECONNREFUSED') })
  })
}

t.test('no key under NODE_ENV=test: disabled, and /health says so', async (t) => {
  const { app } = await buildApp(t, { ELEVENLABS_WEBHOOK_SECRET: 'whsec_configured' })
  const plain = await buildTestApp(t)
  t.equal((await plain.app.inject('/health')).json().elevenlabs, 'disabled', 'the test default')
  t.equal(app.elevenlabsMode, 'disabled')
  t.equal(app.elevenlabs, null)
  t.equal(app.elevenlabsHead, null)
  t.equal(app.elevenlabsEmulator, null)
  t.equal(app.webhookSecret, 'whsec_configured')
  const health = await app.inject('/health')
  t.equal(health.json().elevenlabs, 'disabled')
})

t.test('an API key selects the API, with its base URL and the configured secret', async (t) => {
  const emu = await startEmulator(t, { count: 12 })
  const { app } = await buildApp(t, emulatorEnv(emu))
  t.equal(app.elevenlabsMode, 'api')
  t.equal(app.webhookSecret, emu.webhookSecret)
  t.equal(app.elevenlabsEmulator, null)
  t.equal((await app.inject('/health')).json().elevenlabs, 'api')
  const page = await app.elevenlabs?.listConversations({ pageSize: 100 })
  t.equal(page?.conversations.length, 12, 'the client reaches ELEVENLABS_BASE_URL with the key')
  const head = await app.elevenlabsHead?.listConversations({ pageSize: 5 })
  t.equal(head?.conversations.length, 5)

  emu.emulator.faults.add({ endpoint: 'list', status: 503, times: 1 })
  await t.rejects(async () => { await app.elevenlabsHead?.listConversations({ pageSize: 5 }) }, { code: 'ELEVENLABS_UPSTREAM' }, 'the head client does not retry')
  emu.emulator.faults.add({ endpoint: 'list', status: 503, times: 1 })
  t.equal((await app.elevenlabs?.listConversations({ pageSize: 5 }))?.conversations.length, 5, 'the sync client does')
})

t.test('no key in development: an in-process emulator, closed with the app', async (t) => {
  const { app } = await buildApp(t, { NODE_ENV: 'development', EMULATOR_PORT: '0', EMULATOR_CALLS: '20', EMULATOR_LIVE_INTERVAL_SECONDS: '0' })
  t.equal(app.elevenlabsMode, 'emulator')
  t.equal((await app.inject('/health')).json().elevenlabs, 'emulator')
  const emulator = app.elevenlabsEmulator
  t.ok(emulator)
  t.match(app.webhookSecret, /^whsec_[0-9a-f]{48}$/, 'a secret generated at startup')
  t.equal(emulator?.webhooks.secret, app.webhookSecret, 'the emulator signs with it')
  const page = await app.elevenlabs?.listConversations({ pageSize: 100 })
  t.equal(page?.conversations.length, 20)
  const url = emulator?.url ?? ''
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(await refused(`${url}/_emulator`), false, 'listening')
  await app.close()
  t.equal(await refused(`${url}/_emulator`), true, 'closed with the app')
})

t.test('a configured webhook secret is kept in emulator mode', async (t) => {
  const { app } = await buildApp(t, { NODE_ENV: 'development', EMULATOR_PORT: '0', EMULATOR_CALLS: '1', EMULATOR_LIVE_INTERVAL_SECONDS: '0', ELEVENLABS_WEBHOOK_SECRET: 'whsec_mine' })
  t.equal(app.webhookSecret, 'whsec_mine')
  t.equal(app.elevenlabsEmulator?.webhooks.secret, 'whsec_mine')
})

t.test('EMULATOR_PORT taken: the emulator falls back to a free port', async (t) => {
  const blocker: Server = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => { resolve() })))
  const address = blocker.address()
  const taken = typeof address === 'object' && address !== null ? address.port : 0
  const { app } = await buildApp(t, { NODE_ENV: 'development', EMULATOR_PORT: String(taken), EMULATOR_CALLS: '3', EMULATOR_LIVE_INTERVAL_SECONDS: '0' })
  t.equal(app.elevenlabsMode, 'emulator')
  t.notMatch(app.elevenlabsEmulator?.url ?? '', new RegExp(`:${taken}$`))
  t.equal((await app.elevenlabs?.listConversations())?.conversations.length, 3)
})

t.test('live calls: started on the interval, finished with a signed webhook the app stores', async (t) => {
  const { app } = await buildApp(t, { NODE_ENV: 'development', EMULATOR_PORT: '0', EMULATOR_CALLS: '5', EMULATOR_LIVE_INTERVAL_SECONDS: '1' }, { listen: true })
  const emulator = app.elevenlabsEmulator
  if (emulator === null) throw new Error('no emulator')
  const seeded = new Set((await app.elevenlabs?.listConversations())?.conversations.map((c) => c.conversation_id))
  const live = await waitFor('a simulated call', async () => {
    const page = await app.elevenlabs?.listConversations({ pageSize: 10 })
    return page?.conversations.find((c) => !seeded.has(c.conversation_id))
  })
  t.equal(live.status, 'in-progress', 'visible as in progress in the list')
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  t.equal(emulator.webhooks.url, `http://127.0.0.1:${port}/webhooks/elevenlabs`, 'webhooks go to this server')

  const finished = await emulator.live.finish(live.conversation_id)
  t.same(finished?.deliveries.map((d) => [d.type, d.status]), [['post_call_transcription', 200]], 'the app accepted the signed delivery')
  const stored = await app.store.calls.get(live.conversation_id)
  t.equal(stored?.status, 'done')
  t.equal(stored?.hasTranscript, true)
  t.equal(stored?.syncedFromApi, false, 'stored from the webhook')
})
