import type { FastifyPluginAsync } from 'fastify'
import { isElevenLabsError } from '../elevenlabs/errors.js'
import { describeError } from '../sync/errors.js'

// The API serves recordings only with the key, so browsers come here: the same auth as GraphQL,
// and the audio streamed through (never buffered whole) with the server's key.

// Conversation ids are opaque but plain; anything else cannot be one and never reaches the API.
const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,100}$/

const recording: FastifyPluginAsync = async (fastify) => {
  fastify.get<{ Params: { conversationId: string } }>('/calls/:conversationId/recording', async (request, reply) => {
    if (!fastify.auth.canRead(fastify.auth.roleOf(request))) {
      return await reply.code(401).header('www-authenticate', 'Bearer')
        .send({ statusCode: 401, error: 'Unauthorized', message: 'Send Authorization: Bearer <API_TOKEN> (or the admin token)' })
    }
    const { conversationId } = request.params
    if (!CONVERSATION_ID.test(conversationId)) {
      return await reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'No recording for this call' })
    }
    // The sync client: its longer timeout suits a download.
    const client = fastify.elevenlabs
    if (client === null) {
      return await reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'ElevenLabs is not configured, so recordings cannot be fetched' })
    }
    let audio: Awaited<ReturnType<typeof client.getAudio>>
    try {
      audio = await client.getAudio(conversationId)
    } catch (err) {
      if (isElevenLabsError(err, 'ELEVENLABS_NOT_FOUND')) {
        return await reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'No recording for this call' })
      }
      request.log.warn({ conversationId, err: describeError(err) }, 'recording: the API did not serve the audio')
      return await reply.code(502).send({ statusCode: 502, error: 'Bad Gateway', message: 'The ElevenLabs API did not serve the recording; try again later' })
    }
    reply.header('content-type', audio.contentType)
    reply.header('cache-control', 'private, max-age=3600')
    if (audio.contentLength !== undefined) reply.header('content-length', audio.contentLength)
    return await reply.send(audio.stream)
  })
}

export default recording
