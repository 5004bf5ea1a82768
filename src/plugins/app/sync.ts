import fp from 'fastify-plugin'
import { settingsFromConfig } from '../../sync/context.js'
import { describeError } from '../../sync/errors.js'
import { createSyncService } from '../../sync/service.js'
import type { SyncService } from '../../sync/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    sync: SyncService
  }
}

export default fp(async (fastify) => {
  const engine = createSyncService({
    knex: fastify.knex,
    // Runs retry with the configured policy; the head answers a waiting page, so it does not.
    client: fastify.elevenlabs,
    headClient: fastify.elevenlabsHead,
    settings: settingsFromConfig(fastify.config),
    log: fastify.log.child({ module: 'sync' })
  })
  fastify.decorate('sync', engine as SyncService)

  // Runs a crashed process left in_progress would otherwise read as running for ever.
  try {
    await engine.reapAbandoned()
  } catch (err) {
    fastify.log.warn({ err: describeError(err) }, 'sync: could not check for abandoned runs at startup')
  }

  fastify.addHook('onReady', async () => { engine.startPolling(fastify.config.pollIntervalSeconds) })
  fastify.addHook('onClose', async () => { await engine.close() })
}, { name: 'sync', dependencies: ['store', 'elevenlabs'] })
