import type { BenchDatabase, DatasetInfo } from '../lib/dataset.js'
import type { BenchOptions } from '../lib/options.js'
import type { Table } from '../lib/report.js'
import type { Terms } from '../lib/terms.js'
import type { Environment } from './env.js'

export interface BenchContext {
  opts: BenchOptions
  db: BenchDatabase
  dataset: DatasetInfo
  terms: Terms
  log: (line: string) => void
}

export interface ScenarioContext extends BenchContext {
  env: Environment
}

export interface Scenario {
  id: number
  name: string
  run: (ctx: ScenarioContext) => Promise<Table>
}
