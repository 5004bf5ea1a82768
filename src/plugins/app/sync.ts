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

  fastify.addHook('onReady', async () => {
    engine.startPolling(fastify.config.pollIntervalSeconds)
    if (fastify.elevenlabsMode === 'emulator') await fillEmptyFromEmulator()
  })

  // A newcomer's first `npm start` has an empty database and an emulator full of sample calls:
  // fill it once, in the background, so the history is there to page through. Never with a
  // real API (that is an operator's decision: sync:all).
  async function fillEmptyFromEmulator (): Promise<void> {
    try {
      if ((await fastify.store.calls.stats()).total > 0) return
      const started = await engine.startBackfill({ trigger: 'emulator-first-start' })
      fastify.log.info({ runId: started.run.id }, 'sync: empty database, filling it from the emulator in the background')
    } catch (err) {
      fastify.log.warn({ err: describeError(err) }, 'sync: could not fill the empty database from the emulator')
    }
  }
  fastify.addHook('onClose', async () => { await engine.close() })
}, { name: 'sync', dependencies: ['store', 'elevenlabs'] })
