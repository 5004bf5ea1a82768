import DataLoader from 'dataloader'
import type { FastifyBaseLogger } from 'fastify'
import type { CallRepository } from '../db/calls.js'
import type { CallRecord, TranscriptTurn } from '../db/types.js'
import { isElevenLabsError } from '../elevenlabs/errors.js'
import { callFromConversation } from '../elevenlabs/mapping.js'
import type { ElevenLabsClient } from '../elevenlabs/types.js'
import { mapLimit } from '../sync/concurrency.js'
import { describeError } from '../sync/errors.js'

// Per-request loaders: everything one GraphQL request asks for in the same tick is fetched
// together, and nothing is cached beyond the request.

export interface Loaders {
  /** Stored transcripts, all requested ones in one query; null when none is stored. */
  transcripts: DataLoader<string, TranscriptTurn[] | null>
  /** A call in full from the API (phone numbers, transcript); null when it cannot be had. */
  details: DataLoader<string, CallRecord | null>
}

export interface LoaderDeps {
  calls: Pick<CallRepository, 'getTranscripts'>
  client: ElevenLabsClient | null
  concurrency: number
  log: FastifyBaseLogger
}

export function createLoaders (deps: LoaderDeps): Loaders {
  const transcripts = new DataLoader<string, TranscriptTurn[] | null>(async (ids) => {
    const found = await deps.calls.getTranscripts(ids)
    return ids.map((id) => found.get(id) ?? null)
  })

  const details = new DataLoader<string, CallRecord | null>(async (ids) => {
    const client = deps.client
    if (client === null) return ids.map(() => null)
    return await mapLimit(ids, deps.concurrency, async (id) => {
      try {
        return callFromConversation(await client.getConversation(id))
      } catch (err) {
        // A detail is a nicety on top of the row already served: a failure leaves it out.
        if (!isElevenLabsError(err, 'ELEVENLABS_NOT_FOUND')) deps.log.warn({ conversationId: id, err: describeError(err) }, 'could not fetch call details from the API')
        return null
      }
    })
  })

  return { transcripts, details }
}
