import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Role } from '../plugins/app/auth.js'
import { createLoaders, type Loaders } from './loaders.js'

declare module 'mercurius' {
  interface MercuriusContext {
    /** Who the bearer token says the caller is. */
    role: Role
    loaders: Loaders
  }
}

export function buildContext (fastify: FastifyInstance) {
  return (request: FastifyRequest): { role: Role, loaders: Loaders } => ({
    role: fastify.auth.roleOf(request),
    loaders: createLoaders({
      calls: fastify.store.calls,
      // The head's client (API_TIMEOUT_MS, no retries): someone is waiting for this page.
      client: fastify.elevenlabsHead,
      concurrency: fastify.config.detailConcurrency,
      log: request.log
    })
  })
}
