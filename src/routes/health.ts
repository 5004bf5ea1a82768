import type { FastifyPluginAsync } from 'fastify'

export interface HealthBody {
  status: 'ok' | 'degraded'
  database: 'ok' | 'unreachable'
  elevenlabs: string
}

// Reports what a load balancer and an operator need: whether the database answers (503 if
// not) and which ElevenLabs the service talks to.
const health: FastifyPluginAsync = async (fastify) => {
  fastify.get('/health', async (request, reply): Promise<HealthBody> => {
    let database: HealthBody['database'] = 'ok'
    try {
      await fastify.knex.raw('select 1')
    } catch (err) {
      request.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'health: database unreachable')
      database = 'unreachable'
    }
    const elevenlabs = fastify.hasDecorator('elevenlabsMode') ? fastify.elevenlabsMode : 'disabled'
    reply.code(database === 'ok' ? 200 : 503)
    return { status: database === 'ok' ? 'ok' : 'degraded', database, elevenlabs }
  })
}

export default health
