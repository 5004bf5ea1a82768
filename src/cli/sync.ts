import 'dotenv/config'
import { ConfigError, describeDatabase, loadConfig, type Config } from '../config.js'
import type { SyncRun } from '../db/sync-log.js'
import type { SyncLogger } from '../sync/context.js'
import { SyncInProgressError, type StartedRun } from '../sync/types.js'
import { createProgress, type ProgressReporter } from './progress.js'
import { USAGE, UsageError, parseSyncArgs, type SyncCommand } from './sync-args.js'

// npm run sync:calls -- 500 | npm run sync:initial -- 100 | npm run sync:all
// The same engine the server runs, straight against the database (not through the HTTP API).
// Exit codes: 0 the run succeeded (failed details are counted in the summary), 1 it failed or
// another run of its kind is going on, 2 bad arguments or configuration, 130 interrupted.

const EXIT_OK = 0
const EXIT_FAILED = 1
const EXIT_USAGE = 2
const EXIT_INTERRUPTED = 130

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const

/** Engine logs as short lines on stderr; the engine only ever logs ids, counts and codes. */
function cliLogger (config: Config, progress: ProgressReporter): SyncLogger {
  // The progress already says what info lines would: at the default level, warnings and up.
  const level = config.logLevel
  const floor = level === 'silent' ? Infinity : LEVELS.indexOf(level === 'info' ? 'warn' : level)
  const line = (level: typeof LEVELS[number]) => (obj: object, msg: string): void => {
    if (LEVELS.indexOf(level) < floor) return
    const fields = Object.entries(obj).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
    progress.note(`${level}: ${msg}${fields === '' ? '' : ` (${fields})`}`)
  }
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
}

function summary (command: SyncCommand, run: SyncRun, seconds: number): string {
  const what = command.mode === 'all' ? 'backfill' : `sync of the newest ${command.limit} calls`
  const counts = `${run.recordsSynced} synced, ${run.recordsFailed} failed`
  const took = `${seconds.toFixed(1)}s`
  const resumed = typeof run.detail?.resumedFrom === 'number' ? `, resumed from run ${run.detail.resumedFrom}` : ''
  if (run.status === 'success') {
    return `${what}: run ${run.id} succeeded: ${counts} in ${took}${resumed}${run.errorMessage === null ? '' : ` (${run.errorMessage})`}`
  }
  return `${what}: run ${run.id} failed after ${counts} in ${took}${resumed}: ${run.errorMessage ?? 'unknown error'}`
}

async function main (argv: string[]): Promise<number> {
  let command: SyncCommand
  try {
    command = parseSyncArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`sync: ${err.message}\n${USAGE}\n`)
    return EXIT_USAGE
  }

  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`Configuration error: ${err.message}\n`)
    return EXIT_USAGE
  }
  if (config.elevenlabs.apiKey === undefined) {
    process.stderr.write([
      'sync: ELEVENLABS_API_KEY is not set, so there is no ElevenLabs to sync from.',
      'Set it in .env (and ELEVENLABS_AGENT_ID to sync one agent only). To try this against the local',
      'emulator instead: npm run emulator, then ELEVENLABS_BASE_URL=http://127.0.0.1:4010 with the key it prints.'
    ].join('\n') + '\n')
    return EXIT_USAGE
  }

  // Loaded once the arguments and configuration are known good: a typo answers at once.
  const [{ createKnex }, { migrateLatest }, { clientOptionsFromConfig, createElevenLabsClient }, { settingsFromConfig }, { createSyncService }] = await Promise.all([
    import('../db/knex.js'), import('../db/migrate.js'), import('../elevenlabs/client.js'), import('../sync/context.js'), import('../sync/service.js')
  ])
  const label = command.mode === 'all' ? 'backfill' : 'sync'
  const progress = createProgress(process.stderr, label)
  const knex = createKnex(config.database)
  const controller = new AbortController()
  let interrupts = 0
  const onSigint = (): void => {
    interrupts++
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED)
    progress.note('sync: stopping after the current page (Ctrl-C again to quit at once)')
    controller.abort()
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)

  const log = cliLogger(config, progress)
  const engine = createSyncService({
    knex,
    client: createElevenLabsClient(clientOptionsFromConfig(config, log)),
    settings: settingsFromConfig(config),
    log
  })
  try {
    await migrateLatest(knex)
    await engine.reapAbandoned()
    process.stderr.write(`${label}: ${describeDatabase(config.database)} <- ${config.elevenlabs.baseUrl}${config.elevenlabs.agentId === undefined ? '' : ` (agent ${config.elevenlabs.agentId})`}\n`)
    const opts = { trigger: 'cli', onProgress: progress.update, signal: controller.signal }
    const started0 = Date.now()
    let started: StartedRun
    try {
      started = command.mode === 'all'
        ? await engine.startBackfill(opts)
        : await engine.startManualSync({ ...opts, limit: command.limit, trigger: command.mode === 'initial' ? 'cli:initial' : 'cli' })
    } catch (err) {
      if (!(err instanceof SyncInProgressError)) throw err
      process.stderr.write(`sync: ${err.message}; try again when it has finished\n`)
      return EXIT_FAILED
    }
    const run = await started.done
    progress.done()
    process.stdout.write(`${summary(command, run, (Date.now() - started0) / 1000)}\n`)
    if (run.status === 'success') return EXIT_OK
    return controller.signal.aborted ? EXIT_INTERRUPTED : EXIT_FAILED
  } finally {
    progress.done()
    await engine.close()
    await knex.destroy()
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigint)
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, async (err: unknown) => {
  const { describeError } = await import('../sync/errors.js')
  process.stderr.write(`sync failed: ${describeError(err)}\n`)
  process.exitCode = EXIT_FAILED
})
