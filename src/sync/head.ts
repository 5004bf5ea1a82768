import { isComplete, type CallRecord, type StoredCall } from '../db/types.js'
import type { Conversation, ElevenLabsClient } from '../elevenlabs/types.js'
import type { Stores, SyncDeps } from './context.js'
import { SyncUnavailableError, describeError } from './errors.js'
import { fetchDetails, recordFor, usableSummaries } from './pages.js'
import { mergeRecords, storedToRecord } from './records.js'
import type { LiveHead } from './types.js'

export interface LiveHeadControl extends LiveHead {
  /** Waits for the background writes started so far (close, tests). */
  settle: () => Promise<void>
}

interface Fetched { records: CallRecord[], toStore: CallRecord[] }

/**
 * The newest calls straight from the API, for the hybrid list. One upstream request serves
 * every concurrent caller (single-flight), a result is reused for HEAD_CACHE_TTL_MS, and what
 * it brings is written to the store afterwards, never on the caller's time.
 */
export function createLiveHead (deps: SyncDeps, stores: Stores): LiveHeadControl {
  let generation = 0
  let cache: { gen: number, at: number, records: CallRecord[] } | null = null
  let inflight: { gen: number, promise: Promise<CallRecord[]> } | null = null
  const writes = new Set<Promise<void>>()

  async function storedById (ids: string[]): Promise<Map<string, StoredCall>> {
    try {
      return new Map((await stores.calls.getMany(ids)).map((c) => [c.conversationId, c]))
    } catch (err) {
      // The head is about the API; a store hiccup only costs the shortcut for complete calls.
      deps.log.warn({ err: describeError(err) }, 'sync: live head could not read the store')
      return new Map()
    }
  }

  async function fetchHead (client: ElevenLabsClient, limit: number): Promise<Fetched> {
    const params = deps.settings.agentId === undefined ? { pageSize: limit } : { pageSize: limit, agentId: deps.settings.agentId }
    const page = await client.listConversations(params)
    const summaries = usableSummaries(page.conversations).slice(0, limit)
    const stored = await storedById(summaries.map((s) => s.conversation_id))
    // A call stored final with its transcript cannot change any more: no detail request for it.
    const complete = (id: string): boolean => {
      const s = stored.get(id)
      return s !== undefined && isComplete(s.status, s.hasTranscript)
    }
    const wanted = summaries.map((s) => s.conversation_id).filter((id) => !complete(id))
    const details = new Map<string, Conversation>()
    for (const r of await fetchDetails(client, wanted, Math.max(1, wanted.length))) {
      if ('conversation' in r) details.set(r.id, r.conversation)
      else deps.log.debug({ conversationId: r.id, err: describeError(r.error) }, 'sync: live head could not fetch a conversation in full')
    }
    const records: CallRecord[] = []
    const toStore: CallRecord[] = []
    for (const s of summaries) {
      const fromApi = recordFor(s, details.get(s.conversation_id))
      const known = stored.get(s.conversation_id)
      records.push(known === undefined ? fromApi : mergeRecords(storedToRecord(known), fromApi))
      if (!complete(s.conversation_id)) toStore.push(fromApi)
    }
    return { records, toStore }
  }

  function storeInBackground (records: CallRecord[]): void {
    if (records.length === 0) return
    const write = (async () => {
      try {
        await stores.calls.upsertMany(records)
      } catch (err) {
        deps.log.warn({ calls: records.length, err: describeError(err) }, 'sync: could not store the live head')
      }
    })()
    writes.add(write)
    void write.finally(() => writes.delete(write))
  }

  function get (): Promise<CallRecord[]> {
    const limit = deps.settings.hybridApiLimit
    if (limit <= 0) return Promise.resolve([])
    const client = deps.headClient ?? deps.client
    if (client === null) return Promise.reject(new SyncUnavailableError())
    if (cache !== null && cache.gen === generation && Date.now() - cache.at < deps.settings.headCacheTtlMs) {
      return Promise.resolve(cache.records.slice())
    }
    if (inflight !== null && inflight.gen === generation) return inflight.promise.then((r) => r.slice())
    const gen = generation
    const promise = fetchHead(client, limit).then(({ records, toStore }) => {
      // A failed fetch is never cached (the next caller tries again); nor is one that an
      // invalidate() overtook.
      if (gen === generation) cache = { gen, at: Date.now(), records }
      // After the caller has its answer.
      setImmediate(() => { storeInBackground(toStore) })
      return records
    })
    const entry = { gen, promise }
    inflight = entry
    void promise.then(() => {}, () => {}).finally(() => { if (inflight === entry) inflight = null })
    return promise.then((r) => r.slice())
  }

  return {
    get,
    invalidate: () => {
      generation++
      cache = null
    },
    settle: async () => {
      // setImmediate above queues a write one turn later; wait a turn so it is counted.
      await new Promise((resolve) => setImmediate(resolve))
      await Promise.all([...writes])
    }
  }
}
