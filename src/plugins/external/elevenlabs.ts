import fp from 'fastify-plugin'

export type ElevenLabsMode = 'api' | 'emulator' | 'disabled'

declare module 'fastify' {
  interface FastifyInstance {
    elevenlabsMode: ElevenLabsMode
  }
}

// Placeholder until the client lands: no ElevenLabs is configured.
export default fp(async (fastify) => {
  fastify.decorate('elevenlabsMode', 'disabled' as ElevenLabsMode)
}, { name: 'elevenlabs', dependencies: ['config'] })
