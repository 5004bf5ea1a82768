import { describeDatabase } from '../src/config.js'
import { ensureDataset, openBenchDatabase, type BenchDatabase } from './lib/dataset.js'
import { patientPoolSize } from './lib/generate.js'
import { describeMachine, loadAverage } from './lib/machine.js'
import { parseOptions } from './lib/options.js'
import { probeStore } from './lib/probe.js'
import { stopAll } from './lib/procs.js'
import { num, renderTable, writeResults, type Table } from './lib/report.js'
import { pickTerms } from './lib/terms.js'
import { runScenarios } from './scenarios/index.js'

// npm run bench: seeds (or reuses) the dataset, starts the emulator, the server under test and
// the reference server on loopback ports, runs the scenarios, prints one Markdown table each
// and writes them to bench/results.md. Misses are reported, not fatal: the bench measures.

const log = (line: string): void => { process.stderr.write(`${line}\n`) }

const scenarioNumber = (t: Table): number => Number(/^Scenario (\d+)/.exec(t.title)?.[1] ?? 0)

async function main (): Promise<void> {
  const started = Date.now()
  const opts = parseOptions(process.argv.slice(2))
  log(`bench: ${opts.kind} run, ${opts.db}, ${num(opts.rows)} calls, scenarios ${[...opts.scenarios].join(',')}`)

  let db: BenchDatabase = await openBenchDatabase({ kind: opts.db, rows: opts.rows, mysqlUrl: opts.mysqlUrl })
  let lastShown = 0
  const seeded = await ensureDataset(db, {
    rows: opts.rows,
    reseed: opts.reseed,
    mysqlUrl: opts.mysqlUrl,
    log,
    onProgress: (done, total) => {
      if (done - lastShown >= total / 10 || done === total) {
        lastShown = done
        log(`seeding: ${num(done)} / ${num(total)} calls`)
      }
    }
  })
  db = seeded.db
  const dataset = seeded.info
  if (dataset.seeded) log(`seeding: ${num(dataset.rows)} calls in ${dataset.seedSeconds.toFixed(1)} s (${num(dataset.rowsPerSecond)} rows/s)`)
  const machine = await describeMachine(db.knex)
  const terms = await pickTerms(db.knex, dataset.rows, dataset.end)

  const tables: Table[] = []
  let loadEnd = ''
  try {
    if (opts.probeStore) {
      const probe = await probeStore(db.knex, terms, { timeZone: 'America/Bogota', budgetMs: 2000, log })
      process.stdout.write('\n' + renderTable(probe) + '\n')
      tables.push(probe)
    }
    if (!opts.seedOnly) {
      await runScenarios({ opts, db, dataset, terms, log }, (t) => {
        process.stdout.write('\n' + renderTable(t) + '\n')
        tables.push(t)
      })
    }
  } finally {
    loadEnd = loadAverage(3)
    await stopAll()
    await db.close()
  }

  const verdicts = tables.flatMap((t) => t.verdicts.map((v) => ({ ...v, scenario: scenarioNumber(t) })))
  const misses = verdicts.filter((v) => v.verdict === 'miss' || v.verdict === 'error')
  const seconds = (Date.now() - started) / 1000
  const targets = verdicts.filter((v) => v.verdict !== 'info').length
  let summary = `All ${targets} targets met.`
  if (targets === 0) summary = 'No targets measured.'
  else if (misses.length > 0) {
    summary = `${misses.length} of ${targets} targets missed:\n\n${misses.map((m) => `- **${m.verdict === 'error' ? 'ERROR' : 'MISS'}** scenario ${m.scenario}: ${m.what}`).join('\n')}`
  }
  const section = [
    `## ${opts.kind === 'full' ? 'Full run' : 'Quick run'}: ${opts.db === 'mysql' ? 'MariaDB' : 'SQLite'}, ${num(dataset.rows)} calls`,
    '',
    `- date: ${new Date().toISOString()}; bench run took ${seconds.toFixed(0)} s`,
    `- machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GB RAM, ${machine.os}; load average ${machine.load} at the start, ${loadEnd} at the end (a shared machine: compare ratios, not absolute numbers)`,
    `- Node ${machine.node}; database ${machine.database} at ${describeDatabase(db.database)}`,
    `- dataset: ${num(dataset.rows)} calls over 2 years (weekday/business-hour shaped, Bogotá time; ~${num(patientPoolSize(dataset.rows))} patients, mostly Colombian numbers; ~94% done, 5% failed, the rest in progress/waiting), seeded ${dataset.seededAt.toISOString()} in ${dataset.seedSeconds.toFixed(1)} s = **${num(dataset.rowsPerSecond)} rows/s**${dataset.seeded ? '' : ' (reused by this run)'}`,
    `- terms: the last 4 digits of a patient's number, that number in full typed with spaces, a conversation id from the middle of the history, date \`${terms.date}\` (CALLS_TIMEZONE=America/Bogota), deep page ${num(terms.deepPage)} at pageSize ${terms.pageSize}`,
    '',
    summary,
    '',
    // Scenario order, whatever order they ran in; the store probe (if any) first.
    ...[...tables].sort((a, b) => scenarioNumber(a) - scenarioNumber(b)).map(renderTable)
  ].join('\n')
  process.stdout.write(`\n${summary}\n`)
  if (opts.writeResults && !opts.seedOnly) {
    writeResults(opts.resultsFile, opts.kind, section)
    log(`bench: results written to ${opts.resultsFile} (${seconds.toFixed(0)} s)`)
  }
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  await stopAll().catch(() => {})
  process.exit(1)
})
