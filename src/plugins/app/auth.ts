import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

// Bearer tokens for GraphQL and the recording route. ADMIN_TOKEN may run syncs; API_TOKEN, when
// set, is needed (or the admin token) for every read. A token that is sent but matches neither
// is refused everywhere, never quietly treated as anonymous.

export type Role = 'admin' | 'reader' | 'anonymous' | 'invalid'

export interface Auth {
  /** Who the request's `Authorization: Bearer` token says it is. */
  roleOf: (request: FastifyRequest) => Role
  /** Whether this role may read (query GraphQL, fetch recordings). */
  canRead: (role: Role) => boolean
  /** API_TOKEN is set: reads need a token. */
  readRequiresToken: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: Auth
    /** The admin token in force: ADMIN_TOKEN, or the one generated at startup outside production. */
    adminToken: string
  }
}

function digest (token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function tokenMatches (candidate: Buffer, expected: Buffer | null): boolean {
  return expected !== null && timingSafeEqual(candidate, expected)
}

export function bearerToken (header: string | string[] | undefined): string | null | undefined {
  if (header === undefined) return undefined
  const value = Array.isArray(header) ? header[0] ?? '' : header
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value)
  return match === null ? null : match[1] ?? null
}

export default fp(async (fastify) => {
  const config = fastify.config
  let adminToken = config.adminToken
  if (adminToken === undefined) {
    // Config refuses to start production without one; elsewhere GraphiQL users still get to
    // try the mutation with this process's token.
    adminToken = randomBytes(24).toString('base64url')
    fastify.log.warn(`ADMIN_TOKEN is not set: syncCalls accepts this generated token until the process stops: Bearer ${adminToken}`)
  }
  const admin = digest(adminToken)
  const reader = config.apiToken === undefined ? null : digest(config.apiToken)
  const readRequiresToken = reader !== null

  const auth: Auth = {
    roleOf (request) {
      const token = bearerToken(request.headers.authorization)
      if (token === undefined) return 'anonymous'
      if (token === null) return 'invalid'
      const candidate = digest(token)
      // Both comparisons always run, so timing does not tell which token was close.
      const isAdmin = tokenMatches(candidate, admin)
      const isReader = tokenMatches(candidate, reader)
      if (isAdmin) return 'admin'
      if (isReader) return 'reader'
      return 'invalid'
    },
    canRead (role) {
      if (role === 'admin' || role === 'reader') return true
      return role === 'anonymous' && !readRequiresToken
    },
    readRequiresToken
  }
  fastify.decorate('auth', auth)
  fastify.decorate('adminToken', adminToken)
}, { name: 'auth', dependencies: ['config'] })
