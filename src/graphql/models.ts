import type { CallRecord, TranscriptTurn } from '../db/types.js'
import type { SyncRun } from '../db/sync-log.js'

// What resolvers hand to GraphQL: the store's own objects, plus where a call came from. The
// codegen mappers point here, so field resolvers are typed against these shapes.

export interface CallModel extends CallRecord {
  source: 'api' | 'db'
  /** The database holds this call (its transcript, if any, is read from there). */
  stored: boolean
  /** Stored final with its transcript: nothing the API could add. */
  complete?: boolean
  lastSyncedAt?: Date | null
}

export type SyncRunModel = SyncRun

export type TranscriptTurnModel = TranscriptTurn

export interface SyncStatsModel {
  totalCalls: number
  byStatus: Array<{ status: CallRecord['status'], count: number }>
  lastWebhookAt: Date | null
  lastSuccessfulSyncAt: Date | null
}
