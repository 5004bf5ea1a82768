import type { FastifyPluginAsync } from 'fastify'
import mercurius, { type IResolvers } from 'mercurius'
import { buildContext } from './context.js'
import { errorFormatter } from './errors.js'
import { resolvers } from './resolvers/index.js'
import { loadSchema } from './schema.js'

export const GRAPHQL_PATH = '/graphql'

// The schema has no cycles (its deepest real query is 4 levels); only introspection nests
// without end, and GraphiQL's own introspection query is 15 deep.
export const MAX_QUERY_DEPTH = 16

const UNAUTHENTICATED_MESSAGE = 'Send Authorization: Bearer <API_TOKEN> (or the admin token) to use this API'

/**
 * GraphQL on /graphql and GraphiQL on /graphiql. Encapsulated (not fastify-plugin), so the
 * token check below guards exactly the routes mercurius adds here.
 */
const graphql: FastifyPluginAsync = async (fastify) => {
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== GRAPHQL_PATH) return
    if (fastify.auth.canRead(fastify.auth.roleOf(request))) return
    await reply.code(401).header('www-authenticate', 'Bearer').send({
      data: null,
      errors: [{ message: UNAUTHENTICATED_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }]
    })
    return reply
  })

  await fastify.register(mercurius, {
    schema: loadSchema(),
    resolvers: resolvers as unknown as IResolvers,
    context: buildContext(fastify),
    errorFormatter,
    queryDepth: MAX_QUERY_DEPTH,
    path: GRAPHQL_PATH,
    graphiql: true,
    // Compiled once a query has been seen once; later requests of it skip graphql-js' interpreter.
    jit: 1
  })
}

export default graphql
