import fp from 'fastify-plugin'
import { createCallRepository, type CallRepository } from '../../db/calls.js'
import { createLockRepository, type LockRepository } from '../../db/locks.js'
import { createSyncLogRepository, type SyncLogRepository } from '../../db/sync-log.js'

export interface Store {
  calls: CallRepository
  syncLog: SyncLogRepository
  locks: LockRepository
}

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

export default fp(async (fastify) => {
  fastify.decorate('store', {
    calls: createCallRepository(fastify.knex, { timeZone: fastify.config.callsTimezone }),
    syncLog: createSyncLogRepository(fastify.knex),
    locks: createLockRepository(fastify.knex)
  })
}, { name: 'store', dependencies: ['knex'] })
