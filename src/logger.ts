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

export function loggerOptions (config: Pick<Config, 'logLevel'>): FastifyServerOptions['logger'] {
  return { level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }
}
