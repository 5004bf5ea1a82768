import type { SyncProgress } from '../sync/types.js'

export interface ProgressReporter {
  update: (p: SyncProgress) => void
  /** Prints a line without garbling the bar (warnings while the bar is drawn). */
  note: (line: string) => void
  done: () => void
}

const BAR_WIDTH = 30

function counts (p: SyncProgress): string {
  const calls = p.limit === null ? `${p.processed} calls` : `${p.processed}/${p.limit} calls`
  return `${calls}, ${p.pages} page${p.pages === 1 ? '' : 's'}, ${p.failed} failed`
}

/**
 * A bar redrawn in place on a terminal, one plain line per page otherwise (logs, CI, pipes).
 * A run of unknown length (the whole history) shows a count instead of a bar.
 */
export function createProgress (stream: NodeJS.WriteStream, label: string): ProgressReporter {
  const tty = stream.isTTY === true
  let drawn = false
  const clear = (): void => {
    if (tty && drawn) stream.write('\r\x1b[2K')
    drawn = false
  }
  return {
    update (p) {
      if (!tty) {
        stream.write(`${label}: page ${p.pages}, ${counts(p)}\n`)
        return
      }
      let bar = ''
      if (p.limit !== null && p.limit > 0) {
        const filled = Math.min(BAR_WIDTH, Math.round((p.processed / p.limit) * BAR_WIDTH))
        bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.floor((p.processed / p.limit) * 100)}% `
      }
      stream.write(`\r\x1b[2K${label} ${bar}${counts(p)}`)
      drawn = true
    },
    note (line) {
      clear()
      stream.write(`${line}\n`)
    },
    done () {
      if (tty && drawn) stream.write('\n')
      drawn = false
    }
  }
}
