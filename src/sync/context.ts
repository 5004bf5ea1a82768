import type { Knex } from 'knex'
import type { Config } from '../config.js'
import { createCallRepository, type CallRepository } from '../db/calls.js'
import { createLockRepository, type LockRepository } from '../db/locks.js'
import { createSyncLogRepository, type SyncLogRepository } from '../db/sync-log.js'
import type { ElevenLabsClient } from '../elevenlabs/types.js'

/** The slice of a pino logger the engine uses (fastify.log fits; the CLI passes its own). */
export interface SyncLogger {
  debug: (obj: object, msg: string) => void
  info: (obj: object, msg: string) => void
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

export interface SyncSettings {
  timeZone: string
  /** Only this agent's conversations (ELEVENLABS_AGENT_ID). */
  agentId?: string
  detailConcurrency: number
  hybridApiLimit: number
  headCacheTtlMs: number
  pollLookbackSeconds: number
  /** List page size for manual runs, backfills and polls (the API caps it at 100). */
  pageSize: number
  /** How many stored unfinished calls one poll re-fetches. */
  unfinishedBatch: number
  /** Lease length of a run's lock; renewed every third of it while the run is alive. */
  lockTtlMs: number
}

export function settingsFromConfig (config: Config, overrides: Partial<SyncSettings> = {}): SyncSettings {
  return {
    timeZone: config.callsTimezone,
    agentId: config.elevenlabs.agentId,
    detailConcurrency: config.detailConcurrency,
    hybridApiLimit: config.hybridApiLimit,
    headCacheTtlMs: config.headCacheTtlMs,
    pollLookbackSeconds: config.pollLookbackSeconds,
    pageSize: 100,
    unfinishedBatch: 50,
    lockTtlMs: 30_000,
    ...overrides
  }
}

export interface SyncDeps {
  knex: Knex
  /** null when ElevenLabs is not configured: every run is then refused with SyncUnavailableError. */
  client: ElevenLabsClient | null
  /** The client the live head uses (short timeout, few retries); defaults to `client`. */
  headClient?: ElevenLabsClient | null
  settings: SyncSettings
  log: SyncLogger
  /** Lock owner prefix; one per process by default. */
  lockOwner?: string
}

/** Repositories over the shared knex, made once per service. */
export interface Stores {
  calls: CallRepository
  syncLog: SyncLogRepository
  locks: LockRepository
}

export function createStores (deps: SyncDeps): Stores {
  return {
    calls: createCallRepository(deps.knex, { timeZone: deps.settings.timeZone }),
    syncLog: createSyncLogRepository(deps.knex),
    locks: createLockRepository(deps.knex, deps.lockOwner === undefined ? {} : { owner: deps.lockOwner })
  }
}

export const silentLogger: SyncLogger = { debug () {}, info () {}, warn () {}, error () {} }
