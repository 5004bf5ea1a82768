import 'dotenv/config'
import Fastify from 'fastify'
import app from './app.js'
import { ConfigError, describeDatabase, loadConfig, type Config } from './config.js'
import { loggerOptions } from './logger.js'

// The only file that listens. Everything else is the app plugin, so tests build the same app.

let config: Config
try {
  config = loadConfig()
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`Configuration error: ${err.message}\n`)
    process.exit(1)
  }
  throw err
}

const server = Fastify({
  logger: loggerOptions(config),
  // The app keeps a small body limit; the webhook route raises its own for audio deliveries.
  bodyLimit: 1024 * 1024,
  trustProxy: true
})

let closing = false
async function shutdown (signal: string): Promise<void> {
  if (closing) return
  closing = true
  server.log.info({ signal }, 'shutting down')
  const timer = setTimeout(() => {
    server.log.error('shutdown took too long, exiting')
    process.exit(1)
  }, 10_000)
  timer.unref()
  try {
    await server.close()
    process.exit(0)
  } catch (err) {
    server.log.error({ err }, 'error while shutting down')
    process.exit(1)
  }
}
process.once('SIGINT', () => { void shutdown('SIGINT') })
process.once('SIGTERM', () => { void shutdown('SIGTERM') })

try {
  await server.register(app, { config, migrate: true })
  await server.listen({ port: config.port, host: config.host })
  server.log.info({ database: describeDatabase(config.database) }, 'elevenlabs-calls is ready')
} catch (err) {
  server.log.fatal({ err }, 'failed to start')
  await server.close().catch(() => {})
  process.exit(1)
}
