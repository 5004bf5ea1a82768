import type { Resolvers } from '../generated.js'
import { DateScalar, DateTimeScalar, JSONScalar } from '../scalars.js'
import { callResolvers } from './calls.js'
import { syncResolvers } from './sync.js'

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Date: DateScalar,
  JSON: JSONScalar,
  Query: { ...callResolvers.Query, ...syncResolvers.Query },
  Mutation: syncResolvers.Mutation,
  Call: callResolvers.Call,
  TranscriptTurn: callResolvers.TranscriptTurn,
  SyncStats: syncResolvers.SyncStats,
  SyncRun: syncResolvers.SyncRun
}
