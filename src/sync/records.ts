import { STATUS_RANK, type CallRecord, type StoredCall } from '../db/types.js'

/**
 * Lays `top` over `base` with the store's own merge rule, so what the live head shows agrees
 * with what the store will hold: a status only moves forward; a record of an equal or later
 * stage wins where it has a value; an earlier-stage record (a lagging list snapshot of a call
 * already stored final) only fills gaps; an absent value never erases one.
 */
export function mergeRecords (base: CallRecord, top: CallRecord): CallRecord {
  const forward = STATUS_RANK[top.status] >= STATUS_RANK[base.status]
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(top)) {
    if (value === undefined || value === null) continue
    if (forward || out[key] === undefined || out[key] === null) out[key] = value
  }
  out.status = forward ? top.status : base.status
  if (base.hasAudio === true || top.hasAudio === true) out.hasAudio = true
  return out as unknown as CallRecord
}

/** A stored call as a record (without the store's bookkeeping columns). */
export function storedToRecord (call: StoredCall): CallRecord {
  const { id: _id, hasTranscript: _t, lastSyncedAt: _l, createdAt: _c, updatedAt: _u, ...record } = call
  return record
}
