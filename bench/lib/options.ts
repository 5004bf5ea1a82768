// Bench options: flags first, then BENCH_* environment variables, then the defaults of the
// chosen run (quick: SQLite 100k; full: MariaDB 1M).

export type RunKind = 'quick' | 'full'

export interface BenchOptions {
  kind: RunKind
  db: 'sqlite' | 'mysql'
  rows: number
  mysqlUrl: string
  reseed: boolean
  /** Scenario numbers to run (1..8). */
  scenarios: Set<number>
  /** Seconds of load per measurement window. */
  seconds: number
  /** Backfill scenario: calls in the emulator, and the detail-fetch concurrencies to run it at. */
  backfillCalls: number
  backfillConcurrency: number[]
  backfillLatencyMs: number
  /** Webhook scenario: deliveries per second and for how long. */
  webhookRate: number
  webhookSeconds: number
  /** Head-coalescing scenario: clients and seconds. */
  coalesceClients: number
  coalesceSeconds: number
  headCacheTtlMs: number
  /** Calls the emulator adds at start, newer than every stored one (the live head's size). */
  headCalls: number
  writeResults: boolean
  resultsFile: string
  /**
   * Where the service's sources are (default src): point it at a patched copy to measure a fix
   * before proposing it (the server and the sync CLI run from there).
   */
  srcDir: string
  /** Run the server and the CLI from the TypeScript sources (tsx) instead of compiled JS. */
  tsx: boolean
  /** Stop after seeding (and the store probe, when asked). */
  seedOnly: boolean
  /** Also time the store directly (list/totals/EXPLAIN), without the server. */
  probeStore: boolean
}

const HELP = `npm run bench [-- options]

  --full                 MariaDB, 1,000,000 calls (default: quick run, SQLite, 100,000 calls)
  --db sqlite|mysql      database (BENCH_DB)
  --rows N               dataset size (BENCH_ROWS)
  --mysql-url URL        MariaDB bench database (BENCH_MYSQL_URL, default mysql://root@127.0.0.1:3306/elevenlabs_calls_bench)
  --scenarios 1,2,5      only these scenarios (BENCH_SCENARIOS; bench/results.md is then left alone)
  --seconds N            seconds of load per measurement (BENCH_SECONDS)
  --reseed               rebuild the dataset even if a matching one exists
  --seed-only            seed (reuse) the dataset and stop
  --probe-store          time the store's list/totals directly and print EXPLAIN plans
  --src DIR              run the server and the sync CLI from a patched copy of src/ (BENCH_SRC;
                         implies --no-write)
  --tsx                  run the server from its TypeScript sources under tsx (default: compiled
                         to JavaScript first, as npm start runs it)
  --no-write             do not update bench/results.md
  --help
`

function flagValue (argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name)
  if (i >= 0) return argv[i + 1]
  const prefixed = argv.find((a) => a.startsWith(`${name}=`))
  return prefixed?.slice(name.length + 1)
}

function positiveInt (raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) throw new Error(`${name} must be a positive whole number, got "${raw}"`)
  return Number(raw)
}

export function parseOptions (argv: string[], env: Record<string, string | undefined> = process.env): BenchOptions {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP)
    process.exit(0)
  }
  const full = argv.includes('--full') || env.BENCH_FULL === '1'
  const kind: RunKind = full ? 'full' : 'quick'
  const dbRaw = flagValue(argv, '--db') ?? env.BENCH_DB ?? (full ? 'mysql' : 'sqlite')
  if (dbRaw !== 'sqlite' && dbRaw !== 'mysql' && dbRaw !== 'mariadb') throw new Error(`--db must be sqlite or mysql, got "${dbRaw}"`)
  const db = dbRaw === 'sqlite' ? 'sqlite' : 'mysql'
  const scenariosRaw = flagValue(argv, '--scenarios') ?? env.BENCH_SCENARIOS
  const scenarios = new Set<number>(scenariosRaw === undefined || scenariosRaw === ''
    ? [1, 2, 3, 4, 5, 6, 7, 8]
    : scenariosRaw.split(',').map((s) => positiveInt(s.trim(), '--scenarios', 0)))
  for (const s of scenarios) if (s < 1 || s > 8) throw new Error(`--scenarios takes numbers 1..8, got ${s}`)
  return {
    kind,
    db,
    rows: positiveInt(flagValue(argv, '--rows') ?? env.BENCH_ROWS, '--rows', full ? 1_000_000 : 100_000),
    mysqlUrl: flagValue(argv, '--mysql-url') ?? env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/elevenlabs_calls_bench',
    reseed: argv.includes('--reseed'),
    scenarios,
    seconds: positiveInt(flagValue(argv, '--seconds') ?? env.BENCH_SECONDS, '--seconds', full ? 5 : 3),
    // The quick run backfills fewer calls at a higher concurrency to stay within its 3 minutes.
    backfillCalls: positiveInt(env.BENCH_BACKFILL_CALLS, 'BENCH_BACKFILL_CALLS', full ? 10_000 : 2_000),
    backfillConcurrency: (env.BENCH_BACKFILL_CONCURRENCY ?? (full ? '4,16' : '10')).split(',').map((c) => positiveInt(c.trim(), 'BENCH_BACKFILL_CONCURRENCY', 4)),
    backfillLatencyMs: positiveInt(env.BENCH_BACKFILL_LATENCY_MS, 'BENCH_BACKFILL_LATENCY_MS', 100),
    webhookRate: positiveInt(env.BENCH_WEBHOOK_RATE, 'BENCH_WEBHOOK_RATE', 200),
    webhookSeconds: positiveInt(env.BENCH_WEBHOOK_SECONDS, 'BENCH_WEBHOOK_SECONDS', 10),
    coalesceClients: positiveInt(env.BENCH_COALESCE_CLIENTS, 'BENCH_COALESCE_CLIENTS', 200),
    coalesceSeconds: positiveInt(env.BENCH_COALESCE_SECONDS, 'BENCH_COALESCE_SECONDS', 10),
    headCacheTtlMs: positiveInt(env.BENCH_HEAD_CACHE_TTL_MS, 'BENCH_HEAD_CACHE_TTL_MS', 5000),
    headCalls: 5,
    tsx: argv.includes('--tsx'),
    srcDir: (flagValue(argv, '--src') ?? env.BENCH_SRC ?? 'src').replace(/\/+$/, ''),
    // results.md holds whole runs of the code as committed: not a subset, not a patched copy.
    writeResults: !argv.includes('--no-write') && (flagValue(argv, '--src') ?? env.BENCH_SRC) === undefined && scenarios.size === 8,
    resultsFile: 'bench/results.md',
    seedOnly: argv.includes('--seed-only'),
    probeStore: argv.includes('--probe-store')
  }
}
