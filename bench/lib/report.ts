import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { RunKind } from './options.js'

// One Markdown table per scenario, printed as it finishes and collected for bench/results.md.
// Every table says, per row, the target, what was measured and pass/miss; ratios are against
// references measured in the same run (the machine is shared: absolute numbers drift).

export type Verdict = 'pass' | 'miss' | 'info' | 'error'

export interface Table {
  title: string
  headers: string[]
  rows: string[][]
  notes: string[]
  verdicts: Array<{ what: string, verdict: Verdict }>
}

export function table (title: string, headers: string[]): Table {
  return { title, headers, rows: [], notes: [], verdicts: [] }
}

export function verdictCell (v: Verdict): string {
  return v === 'pass' ? 'pass' : v === 'miss' ? '**MISS**' : v === 'error' ? '**ERROR**' : 'info'
}

/** Adds a row whose last cell is the verdict (pass/miss/info). */
export function addRow (t: Table, cells: string[], verdict?: { what: string, verdict: Verdict }): void {
  t.rows.push(verdict === undefined ? cells : [...cells, verdictCell(verdict.verdict)])
  if (verdict !== undefined) t.verdicts.push(verdict)
}

export function renderTable (t: Table): string {
  const escape = (s: string): string => s.replace(/\|/g, '\\|')
  const lines = [
    `### ${t.title}`,
    '',
    `| ${t.headers.map(escape).join(' | ')} |`,
    `| ${t.headers.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(escape).join(' | ')} |`)
  ]
  if (t.notes.length > 0) lines.push('', ...t.notes.map((n) => `- ${n}`))
  return lines.join('\n') + '\n'
}

export const ms = (v: number): string => !Number.isFinite(v) ? 'n/a' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`
export const num = (v: number, digits = 0): string => !Number.isFinite(v) ? 'n/a' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
export const ratio = (v: number): string => !Number.isFinite(v) ? 'n/a' : v >= 100 ? `${num(v)}×` : v >= 10 ? `${v.toFixed(1)}×` : `${v.toFixed(2)}×`
export const mb = (v: number): string => !Number.isFinite(v) ? 'n/a' : `${v.toFixed(0)} MB`

const START = (kind: RunKind): string => `<!-- bench:${kind}:start -->`
const END = (kind: RunKind): string => `<!-- bench:${kind}:end -->`

/**
 * Writes this run's section of bench/results.md, keeping the other run kind's section (the
 * quick and the full run each keep their latest results).
 */
export function writeResults (file: string, kind: RunKind, section: string): void {
  const header = '# Benchmark results\n\nWritten by `npm run bench` (quick run: SQLite) and `npm run bench:full` (full run: MariaDB). Each section is the latest run of its kind; ratios compare with references measured in the same run.\n'
  const block = `${START(kind)}\n${section.trimEnd()}\n${END(kind)}`
  let text = existsSync(file) ? readFileSync(file, 'utf8') : header
  const start = text.indexOf(START(kind))
  const end = text.indexOf(END(kind))
  if (start >= 0 && end > start) {
    text = text.slice(0, start) + block + text.slice(end + END(kind).length)
  } else {
    // The quick run's section goes first, the full run's after it.
    const other = text.indexOf(START(kind === 'quick' ? 'full' : 'quick'))
    if (kind === 'quick' && other >= 0) text = text.slice(0, other) + block + '\n\n' + text.slice(other)
    else text = text.trimEnd() + '\n\n' + block + '\n'
  }
  writeFileSync(file, text.trimEnd() + '\n')
}
