import { MAX_MANUAL_LIMIT } from '../sync/types.js'

export type SyncCommand = { mode: 'calls' | 'initial', limit: number } | { mode: 'all' }

export const DEFAULT_LIMIT = 100

export const USAGE = [
  'usage:',
  `  npm run sync:calls -- <N>     sync the newest N calls (1 to ${MAX_MANUAL_LIMIT}, default ${DEFAULT_LIMIT})`,
  `  npm run sync:initial -- [N]   first sync: the newest N calls (default ${DEFAULT_LIMIT})`,
  '  npm run sync:all              the whole history (continues an interrupted run)',
  '  scripts/sync-calls.sh <N>     same as sync:calls'
].join('\n')

export class UsageError extends Error {
  override name = 'UsageError'
}

/** `argv` is what follows the script: the mode, then its arguments. */
export function parseSyncArgs (argv: readonly string[]): SyncCommand {
  const [mode, ...rest] = argv
  if (mode === 'all') {
    if (rest.length > 0) throw new UsageError(`sync:all takes no arguments (got "${rest.join(' ')}"): it always walks the whole history`)
    return { mode }
  }
  if (mode !== 'calls' && mode !== 'initial') throw new UsageError(`unknown sync mode "${mode ?? ''}" (calls, initial or all)`)
  if (rest.length > 1) throw new UsageError(`sync:${mode} takes one number, got ${rest.length} arguments ("${rest.join(' ')}")`)
  const raw = rest[0]?.trim()
  if (raw === undefined || raw === '') return { mode, limit: DEFAULT_LIMIT }
  if (!/^\d+$/.test(raw)) throw new UsageError(`the number of calls must be a whole number from 1 to ${MAX_MANUAL_LIMIT}, got "${raw}"`)
  const limit = Number(raw)
  if (limit < 1 || limit > MAX_MANUAL_LIMIT) throw new UsageError(`the number of calls must be from 1 to ${MAX_MANUAL_LIMIT}, got ${raw}`)
  return { mode, limit }
}
