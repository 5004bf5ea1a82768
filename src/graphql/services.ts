import type { FastifyInstance } from 'fastify'
import type { ElevenLabsClient } from '../elevenlabs/types.js'

/** The API client, or null when ElevenLabs is not configured (the plugin may decorate null). */
export function elevenlabsOf (fastify: FastifyInstance): ElevenLabsClient | null {
  if (!fastify.hasDecorator('elevenlabs')) return null
  return (fastify as unknown as { elevenlabs: ElevenLabsClient | null }).elevenlabs ?? null
}
