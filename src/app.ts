import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { Knex } from 'knex'
import type { Config } from './config.js'
import configPlugin from './plugins/external/config.js'
import knexPlugin from './plugins/external/knex.js'
import storePlugin from './plugins/app/store.js'
import elevenlabsPlugin from './plugins/external/elevenlabs.js'
import syncPlugin from './plugins/app/sync.js'
import authPlugin from './plugins/app/auth.js'
import graphqlPlugin from './graphql/plugin.js'
import recordingRoutes from './routes/recording.js'
import healthRoutes from './routes/health.js'
import webhookRoutes from './routes/webhooks.js'

export interface AppOptions {
  config: Config
  /** A knex owned by the caller (tests); the app then neither creates nor closes one. */
  knex?: Knex
  /** Apply pending migrations at startup. */
  migrate?: boolean
}

/**
 * The whole service as one Fastify plugin: server.ts registers it and listens, tests register
 * it and use inject. Order matters: config, then storage, then the parts that use them.
 */
const serviceApp: FastifyPluginAsync<AppOptions> = async (fastify: FastifyInstance, opts) => {
  await fastify.register(configPlugin, { config: opts.config })
  await fastify.register(knexPlugin, { knex: opts.knex, migrate: opts.migrate })
  await fastify.register(storePlugin)
  await fastify.register(elevenlabsPlugin)
  await fastify.register(syncPlugin)
  await fastify.register(authPlugin)
  await fastify.register(graphqlPlugin)

  await fastify.register(healthRoutes)
  await fastify.register(recordingRoutes)
  await fastify.register(webhookRoutes)
}

// Not encapsulated: whoever registers the app (server.ts, tests) sees its decorators
// (fastify.store, fastify.sync, ...) on the instance it holds.
export default fp(serviceApp, { name: 'elevenlabs-calls' })
