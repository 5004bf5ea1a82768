import 'dotenv/config'
import { ConfigError, describeDatabase, loadConfig } from '../config.js'
import { createKnex } from '../db/knex.js'
import { migrateLatest, rollbackAll } from '../db/migrate.js'

// npm run migrate            apply pending migrations
// npm run migrate -- down    roll every migration back
async function main (): Promise<number> {
  const direction = process.argv[2] ?? 'up'
  if (direction !== 'up' && direction !== 'down') {
    process.stderr.write(`usage: npm run migrate [-- up|down] (got "${direction}")\n`)
    return 2
  }
  const config = loadConfig()
  const knex = createKnex(config.database)
  try {
    const names = direction === 'up' ? await migrateLatest(knex) : await rollbackAll(knex)
    const verb = direction === 'up' ? 'applied' : 'rolled back'
    process.stdout.write(`${describeDatabase(config.database)}: ${names.length === 0 ? `nothing to do` : `${verb} ${names.join(', ')}`}\n`)
    return 0
  } finally {
    await knex.destroy()
  }
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? 'Configuration error: ' : 'migrate failed: '}${(err as Error).message}\n`)
  process.exitCode = 1
})
