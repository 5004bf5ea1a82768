import fp from 'fastify-plugin'
import type { Knex } from 'knex'
import { createKnex } from '../../db/knex.js'
import { migrateLatest } from '../../db/migrate.js'

declare module 'fastify' {
  interface FastifyInstance {
    knex: Knex
  }
}

export interface KnexPluginOptions {
  /** A knex the caller owns (tests); otherwise one is made from the config and closed on close. */
  knex?: Knex
  /** Apply pending migrations before serving (npm start does; tests prepare their own DB). */
  migrate?: boolean
}

export default fp<KnexPluginOptions>(async (fastify, opts) => {
  const knex = opts.knex ?? createKnex(fastify.config.database)
  if (opts.knex === undefined) {
    fastify.addHook('onClose', async () => { await knex.destroy() })
  }
  if (opts.migrate === true) {
    const applied = await migrateLatest(knex)
    if (applied.length > 0) fastify.log.info({ migrations: applied }, 'applied database migrations')
  }
  fastify.decorate('knex', knex)
}, { name: 'knex', dependencies: ['config'] })
