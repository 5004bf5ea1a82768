import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { clientOptionsFromConfig, createElevenLabsClient } from '../../elevenlabs/client.js'
import type { ElevenLabsClient } from '../../elevenlabs/types.js'
import { buildEmulator, type Emulator } from '../../emulator/emulator.js'

export type ElevenLabsMode = 'api' | 'emulator' | 'disabled'

declare module 'fastify' {
  interface FastifyInstance {
    /** The ElevenLabs API for syncs (config timeouts and retries); null when disabled. */
    elevenlabs: ElevenLabsClient | null
    /** The same API for the live head: API_TIMEOUT_MS and no retries, the caller is waiting. */
    elevenlabsHead: ElevenLabsClient | null
    elevenlabsMode: ElevenLabsMode
    /** Verifies webhooks: the configured secret, or in emulator mode the one the emulator signs with. */
    webhookSecret: string | undefined
    /** The in-process emulator (emulator mode only). */
    elevenlabsEmulator: Emulator | null
  }
}

/** Where the emulator delivers webhooks: this server's own route. */
function ownWebhookUrl (fastify: FastifyInstance): string {
  const address = fastify.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : fastify.config.port
  const host = ['0.0.0.0', '::', ''].includes(fastify.config.host) ? '127.0.0.1' : fastify.config.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/webhooks/elevenlabs`
}

async function listenWithFallback (emulator: Emulator, port: number): Promise<string> {
  try {
    return await emulator.listen({ port, host: '127.0.0.1' })
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE' || port === 0) throw err
    return await emulator.listen({ port: 0, host: '127.0.0.1' })
  }
}

/**
 * Chooses the ElevenLabs this service talks to: the real API when a key is configured; else,
 * in development, an emulator started in-process on EMULATOR_PORT (a newcomer gets data and
 * live calls without an account); else (tests) none.
 */
export default fp(async (fastify) => {
  const config = fastify.config
  const decorate = (mode: ElevenLabsMode, client: ElevenLabsClient | null, head: ElevenLabsClient | null, secret: string | undefined, emulator: Emulator | null): void => {
    fastify.decorate('elevenlabsMode', mode)
    fastify.decorate('elevenlabs', client)
    fastify.decorate('elevenlabsHead', head)
    fastify.decorate('webhookSecret', secret)
    fastify.decorate('elevenlabsEmulator', emulator)
  }
  const headOptions = { timeoutMs: config.apiTimeoutMs, retryLimit: 0 }

  if (config.elevenlabs.apiKey !== undefined) {
    const options = clientOptionsFromConfig(config, fastify.log.child({ module: 'elevenlabs' }))
    decorate('api', createElevenLabsClient(options), createElevenLabsClient({ ...options, ...headOptions }), config.elevenlabs.webhookSecret, null)
    return
  }
  if (config.nodeEnv !== 'development') {
    decorate('disabled', null, null, config.elevenlabs.webhookSecret, null)
    return
  }

  const secret = config.elevenlabs.webhookSecret ?? `whsec_${randomBytes(24).toString('hex')}`
  const emulator = buildEmulator({ count: config.emulatorCalls, webhookSecret: secret })
  const url = await listenWithFallback(emulator, config.emulatorPort)
  const options = clientOptionsFromConfig({ elevenlabs: { ...config.elevenlabs, apiKey: emulator.apiKey, baseUrl: url } }, fastify.log.child({ module: 'elevenlabs' }))
  decorate('emulator', createElevenLabsClient(options), createElevenLabsClient({ ...options, ...headOptions }), secret, emulator)
  fastify.log.warn({ emulator: url, calls: config.emulatorCalls },
    'ELEVENLABS_API_KEY is not set: serving EMULATED ElevenLabs data from a local emulator. Nothing here is a real call. Set ELEVENLABS_API_KEY to use the real API.')

  let timer: NodeJS.Timeout | undefined
  if (config.emulatorLiveIntervalSeconds > 0) {
    timer = setInterval(() => {
      emulator.webhooks.url = ownWebhookUrl(fastify)
      const { conversationId, finished } = emulator.live.simulate({ finishAfterMs: 3000 + Math.floor(Math.random() * 9000) })
      fastify.log.info({ conversationId }, 'emulator: a simulated call started')
      void finished.then((result) => {
        const delivery = result?.deliveries[0]
        if (result !== undefined) fastify.log.info({ conversationId, webhook: delivery?.status ?? delivery?.error }, 'emulator: the simulated call ended')
      })
    }, config.emulatorLiveIntervalSeconds * 1000)
    timer.unref()
  }
  fastify.addHook('onClose', async () => {
    if (timer !== undefined) clearInterval(timer)
    await emulator.close()
  })
}, { name: 'elevenlabs', dependencies: ['config'] })
