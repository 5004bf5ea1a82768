import type { MercuriusContext } from 'mercurius'
import { SyncUnavailableError } from '../../sync/errors.js'
import { SyncInProgressError } from '../../sync/types.js'
import { ApiError, badInput } from '../errors.js'
import type { MutationResolvers, QueryResolvers, Resolvers, SyncRunResolvers, SyncStatsResolvers } from '../generated.js'

export const MAX_SYNC_LIMIT = 10_000
const MAX_RECENT_SYNCS = 100

/** Only the admin token runs syncs; checked before anything else happens. */
function requireAdmin (ctx: MercuriusContext): void {
  if (ctx.role === 'admin') return
  if (ctx.role === 'reader') throw new ApiError('FORBIDDEN', 'syncCalls needs the admin token; this token may only read')
  throw new ApiError('UNAUTHENTICATED', 'syncCalls needs Authorization: Bearer <ADMIN_TOKEN>')
}

const syncStats: QueryResolvers['syncStats'] = async (_root, _args, ctx) => {
  const { calls, syncLog } = ctx.app.store
  const [stats, lastWebhookAt, lastSuccessfulSyncAt] = await Promise.all([
    calls.stats(),
    syncLog.lastCompletedAt({ type: 'webhook' }),
    syncLog.lastCompletedAt({ status: 'success' })
  ])
  return { totalCalls: stats.total, byStatus: stats.byStatus, lastWebhookAt, lastSuccessfulSyncAt }
}

const syncRun: QueryResolvers['syncRun'] = async (_root, args, ctx) => {
  const id = String(args.id)
  if (!/^\d{1,15}$/.test(id)) throw badInput(`id must be a sync run number such as 42, got ${JSON.stringify(id)}`, { argument: 'id' })
  return await ctx.app.store.syncLog.get(Number(id))
}

const SyncStats: SyncStatsResolvers = {
  recentSyncs: async (_stats, args, ctx) => {
    const limit = args.limit ?? 10
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT_SYNCS) {
      throw badInput(`limit must be between 1 and ${MAX_RECENT_SYNCS}, got ${limit}`, { argument: 'limit' })
    }
    return await ctx.app.store.syncLog.list({ limit, type: args.type ?? null })
  }
}

const SyncRun: SyncRunResolvers = {
  id: (run) => String(run.id)
}

const syncCalls: MutationResolvers['syncCalls'] = async (_root, args, ctx) => {
  requireAdmin(ctx)
  const limit = args.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SYNC_LIMIT) {
    throw badInput(`limit must be between 1 and ${MAX_SYNC_LIMIT}, got ${limit}`, { argument: 'limit' })
  }
  let started
  try {
    started = await ctx.app.sync.startManualSync({ limit, trigger: 'graphql' })
  } catch (err) {
    if (err instanceof SyncInProgressError) {
      const runId = err.runId === null ? null : String(err.runId)
      throw new ApiError('SYNC_IN_PROGRESS', runId === null
        ? 'A sync is already running; try again when it has finished'
        : `Sync run ${runId} is already running; poll syncRun(id: "${runId}") and try again when it has finished`, { runId })
    }
    if (err instanceof SyncUnavailableError) throw new ApiError('SYNC_UNAVAILABLE', err.message)
    throw err
  }
  return args.wait === false ? started.run : await started.done
}

export const syncResolvers: Pick<Resolvers, 'SyncStats' | 'SyncRun'> & { Query: Pick<QueryResolvers, 'syncStats' | 'syncRun'>, Mutation: MutationResolvers } = {
  Query: { syncStats, syncRun },
  Mutation: { syncCalls },
  SyncStats,
  SyncRun
}
