import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

// Paths that may carry secrets or personal data; pino replaces them wherever they appear.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["xi-api-key"]',
  'req.headers["elevenlabs-signature"]',
  'headers.authorization',
  'headers["xi-api-key"]',
  '*.apiKey',
  '*.adminToken',
  '*.apiToken',
  '*.webhookSecret',
  '*.callerNumber',
  '*.calleeNumber',
  '*.caller_number',
  '*.callee_number',
  '*.transcript'
]

interface LoggedRequest { method: string, url: string, hostname?: string, ip?: string, socket?: { remotePort?: number } }

/**
 * The request as logged: without its query string, where a GraphQL GET carries the query and
 * its variables (a phone number searched for, say).
 */
export function serializeRequest (request: LoggedRequest): Record<string, unknown> {
  const q = request.url.indexOf('?')
  return {
    method: request.method,
    url: q === -1 ? request.url : `${request.url.slice(0, q)}?[redacted]`,
    host: request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort
  }
}

export function loggerOptions (config: Pick<Config, 'logLevel'>): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest as never }
  }
}
