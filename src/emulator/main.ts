import 'dotenv/config'
import { DEFAULT_EMULATOR_API_KEY, buildEmulator } from './emulator.js'

// `npm run emulator`: a local ElevenLabs on EMULATOR_PORT (default 4010). Point the service at
// it with ELEVENLABS_BASE_URL=http://127.0.0.1:4010 and ELEVENLABS_API_KEY=<EMULATOR_API_KEY>.

function integer (name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    process.stderr.write(`Configuration error: ${name} must be a whole number between ${min} and ${max}, got "${raw}"\n`)
    process.exit(1)
  }
  return value
}

function text (name: string): string | undefined {
  const raw = process.env[name]?.trim()
  return raw === undefined || raw === '' ? undefined : raw
}

const port = integer('EMULATOR_PORT', 4010, 0, 65535)
const liveInterval = integer('EMULATOR_LIVE_INTERVAL_SECONDS', 60, 0, 86_400)
const apiKey = text('EMULATOR_API_KEY') ?? DEFAULT_EMULATOR_API_KEY
const webhookUrl = text('EMULATOR_WEBHOOK_URL')
if (webhookUrl !== undefined && !/^https?:\/\//.test(webhookUrl)) {
  process.stderr.write(`Configuration error: EMULATOR_WEBHOOK_URL must be an http(s) URL, got "${webhookUrl}"\n`)
  process.exit(1)
}
const configuredSecret = text('ELEVENLABS_WEBHOOK_SECRET')

const emulator = buildEmulator({
  apiKey,
  count: integer('EMULATOR_CALLS', 250, 0, 2_000_000),
  seed: integer('EMULATOR_SEED', 1, 0, 4_294_967_295),
  latencyMs: integer('EMULATOR_LATENCY_MS', 0, 0, 600_000),
  webhookUrl,
  webhookSecret: configuredSecret,
  logger: { level: text('LOG_LEVEL') ?? 'info', redact: ['req.headers["xi-api-key"]'] }
})

const url = await emulator.listen({ port, host: text('EMULATOR_HOST') ?? '127.0.0.1' })
const log = emulator.app.log
log.info({
  url,
  calls: emulator.state.size,
  apiKey: apiKey === DEFAULT_EMULATOR_API_KEY ? DEFAULT_EMULATOR_API_KEY : 'EMULATOR_API_KEY',
  webhookUrl: webhookUrl ?? null,
  webhookSecret: configuredSecret === undefined ? 'generated (set ELEVENLABS_WEBHOOK_SECRET to share one with the service)' : 'ELEVENLABS_WEBHOOK_SECRET'
}, `ElevenLabs emulator listening on ${url} (control endpoints under ${url}/_emulator)`)

let timer: NodeJS.Timeout | undefined
if (liveInterval > 0) {
  timer = setInterval(() => {
    const { conversationId, finished } = emulator.live.simulate({ finishAfterMs: 3000 + Math.floor(Math.random() * 9000) })
    log.info({ conversationId }, 'simulated call started')
    void finished.then((result) => {
      if (result === undefined) return
      const delivery = result.deliveries[0]
      log.info({ conversationId, webhook: delivery === undefined ? 'not sent (no EMULATOR_WEBHOOK_URL)' : delivery.status ?? delivery.error }, 'simulated call ended')
    })
  }, liveInterval * 1000)
}

async function shutdown (): Promise<void> {
  if (timer !== undefined) clearInterval(timer)
  await emulator.close()
  process.exit(0)
}
process.once('SIGINT', () => { void shutdown() })
process.once('SIGTERM', () => { void shutdown() })
