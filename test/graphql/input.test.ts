import { getIntrospectionQuery } from 'graphql'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { ADMIN, buildLoggedApp, count, gql, store, type GqlResponse } from './helpers.js'

// Bad input is refused with BAD_USER_INPUT and a message saying what is allowed; whatever
// breaks inside reaches the client as a generic error. Each request is sent three times: the
// first runs on graphql-js, the second compiles it with the JIT, the third runs compiled.

interface Refusal { status: number, message: string, code: string, path?: unknown[], argument?: string }

function refusals (res: GqlResponse): Refusal[] {
  return (res.body.errors ?? []).map((e) => ({
    status: res.status,
    message: e.message,
    code: e.extensions?.code as string,
    ...(e.path === undefined ? {} : { path: e.path }),
    ...(e.extensions?.argument === undefined ? {} : { argument: e.extensions.argument as string })
  }))
}

const CALLS = 'query Calls($page: Int, $pageSize: Int, $search: String, $date: Date) { calls(page: $page, pageSize: $pageSize, search: $search, date: $date) { data { conversationId } } }'

t.test('calls: every bad argument is BAD_USER_INPUT saying what is allowed', async (t) => {
  const { app } = await buildTestApp(t, { ADMIN_TOKEN: ADMIN })
  const resolverRefusal = (message: string, argument: string): Refusal[] => [{ status: 200, message, code: 'BAD_USER_INPUT', path: ['calls'], argument }]
  const cases: Array<[string, Record<string, unknown>, Refusal[]]> = [
    ['page 0', { page: 0 }, resolverRefusal('page must be 1 or more, got 0', 'page')],
    ['page -3', { page: -3 }, resolverRefusal('page must be 1 or more, got -3', 'page')],
    ['pageSize 0', { pageSize: 0 }, resolverRefusal('pageSize must be between 1 and 100, got 0', 'pageSize')],
    ['pageSize 101', { pageSize: 101 }, resolverRefusal('pageSize must be between 1 and 100, got 101', 'pageSize')],
    ['search of 101 characters', { search: '9'.repeat(101) }, resolverRefusal('search must be at most 100 characters, got 101', 'search')]
  ]
  for (const [label, variables, expected] of cases) {
    for (let i = 1; i <= 3; i++) {
      const res = await gql(app, CALLS, variables)
      t.same(res.body.data, null, `${label} (#${i}): no data`)
      t.same(refusals(res), expected, `${label} (#${i})`)
    }
  }

  for (const date of ['2025-02-30', '2025-13-01', '2025-2-3', 'yesterday', '2025-10-29T00:00:00Z']) {
    for (let i = 1; i <= 3; i++) {
      const res = await gql(app, CALLS, { date })
      const [refusal, ...rest] = refusals(res)
      t.same(rest, [], `${date} (#${i}): one error`)
      t.match(refusal, { status: 400, code: 'BAD_USER_INPUT' }, `${date} (#${i}) as a variable`)
      t.match(refusal?.message, `date must be a real calendar day written YYYY-MM-DD (for example 2025-10-29), got "${date}"`)
    }
    const literal = await gql(app, `{ calls(date: "${date}") { data { conversationId } } }`)
    t.match(refusals(literal), [{ status: 400, code: 'BAD_USER_INPUT', message: /date must be a real calendar day written YYYY-MM-DD/ }], `${date} as a literal`)
  }

  t.test('the limits themselves are allowed', async (t) => {
    for (const variables of [{ page: 1, pageSize: 1 }, { pageSize: 100 }, { search: '9'.repeat(100) }, { date: '2024-02-29' }, { page: null, pageSize: null }]) {
      const res = await gql(app, CALLS, variables)
      t.same(res, { status: 200, body: { data: { calls: { data: [] } } } }, JSON.stringify(variables))
    }
  })

  t.test('a wrong type is a validation error, never executed', async (t) => {
    const res = await gql(app, '{ calls(page: "two") { data { conversationId } } }')
    t.same(refusals(res), [{ status: 400, message: 'Int cannot represent non-integer value: "two"', code: 'GRAPHQL_VALIDATION_FAILED' }])
    const variable = await gql(app, CALLS, { pageSize: 'many' })
    t.match(refusals(variable), [{ status: 400, code: 'BAD_USER_INPUT', message: /^Variable "\$pageSize" got invalid value "many"/ }])
  })
})

t.test('sync arguments are validated too, before anything runs', async (t) => {
  const { app, db } = await buildTestApp(t, { ADMIN_TOKEN: ADMIN })
  const cases: Array<[string, string, Refusal[]]> = [
    ['recentSyncs limit 0', '{ syncStats { recentSyncs(limit: 0) { id } } }',
      [{ status: 200, message: 'limit must be between 1 and 100, got 0', code: 'BAD_USER_INPUT', path: ['syncStats', 'recentSyncs'], argument: 'limit' }]],
    ['recentSyncs limit 101', '{ syncStats { recentSyncs(limit: 101) { id } } }',
      [{ status: 200, message: 'limit must be between 1 and 100, got 101', code: 'BAD_USER_INPUT', path: ['syncStats', 'recentSyncs'], argument: 'limit' }]],
    ['syncRun id abc', '{ syncRun(id: "abc") { id } }',
      [{ status: 200, message: 'id must be a sync run number such as 42, got "abc"', code: 'BAD_USER_INPUT', path: ['syncRun'], argument: 'id' }]],
    ['syncCalls limit 0', 'mutation { syncCalls(limit: 0) { id } }',
      [{ status: 200, message: 'limit must be between 1 and 10000, got 0', code: 'BAD_USER_INPUT', path: ['syncCalls'], argument: 'limit' }]],
    ['syncCalls limit 10001', 'mutation { syncCalls(limit: 10001) { id } }',
      [{ status: 200, message: 'limit must be between 1 and 10000, got 10001', code: 'BAD_USER_INPUT', path: ['syncCalls'], argument: 'limit' }]]
  ]
  for (const [label, query, expected] of cases) {
    const res = await gql(app, query, undefined, ADMIN)
    t.same(refusals(res), expected, label)
  }
  t.equal(await count(db, 'elevenlabs_sync_log'), 0, 'no sync was started')
})

t.test('request errors: syntax, unknown fields, depth, mutations over GET', async (t) => {
  const { app } = await buildTestApp(t)
  t.same(refusals(await gql(app, '{ calls { ')), [{ status: 400, message: 'Syntax Error: Expected Name, found <EOF>.', code: 'GRAPHQL_PARSE_FAILED' }])
  t.same(refusals(await gql(app, '{ calls { nope } }')), [{ status: 400, message: 'Cannot query field "nope" on type "CallPage".', code: 'GRAPHQL_VALIDATION_FAILED' }])

  const introspection = await gql(app, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true }))
  t.equal(introspection.status, 200, 'GraphiQL\'s introspection fits under the depth limit')
  t.equal(introspection.body.errors, undefined)
  let deep = 'name'
  for (let i = 0; i < 12; i++) deep = `ofType { ${deep} }`
  const tooDeep = await gql(app, `query Deep { __schema { types { fields { type { ${deep} } } } } }`)
  t.same(refusals(tooDeep), [{ status: 400, message: '`Deep query depth (17) exceeds the query depth limit of 16`', code: 'QUERY_TOO_DEEP' }])

  const get = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('mutation { syncCalls { id } }')}` })
  t.same({ status: get.statusCode, body: get.json() }, {
    status: 405,
    body: { data: null, errors: [{ message: 'Operation cannot be performed via a GET request', extensions: { code: 'METHOD_NOT_ALLOWED' } }] }
  })
  const query = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('{ calls { pagination { total } } }')}` })
  t.same(query.json(), { data: { calls: { pagination: { total: 0 } } } }, 'queries work over GET')
  const graphiql = await app.inject({ method: 'GET', url: '/graphiql' })
  t.equal(graphiql.statusCode, 200)
  t.match(graphiql.headers['content-type'], /text\/html/)
})

t.test('an internal failure reaches the client as a generic error and is logged without its literals', async (t) => {
  const { app, db, lines } = await buildLoggedApp(t, {}, 'error')
  await store(db, [{ conversationId: 'conv_a', status: 'done', startedAt: new Date('2025-10-01T10:00:00Z'), callerNumber: '+573001234567' }])
  await db.knex.schema.renameTable('elevenlabs_calls', 'elevenlabs_calls_moved')
  t.teardown(async () => { await db.knex.schema.renameTable('elevenlabs_calls_moved', 'elevenlabs_calls') })
  for (let i = 1; i <= 3; i++) {
    const res = await gql(app, '{ calls(search: "3001234567") { data { conversationId } } }')
    t.same(res, {
      status: 200,
      body: { data: null, errors: [{ message: 'Internal server error', locations: [{ line: 1, column: 3 }], path: ['calls'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }
    }, `no SQL, no stack (#${i})`)
  }
  const logged = lines.filter((l) => l.msg === 'GraphQL operation failed')
  t.equal(logged.length, 3, 'each failure is logged server-side')
  const text = JSON.stringify(logged)
  t.match(text, /elevenlabs_calls|no such table|doesn't exist/, 'with the real cause')
  t.notMatch(text, /7654321003|3001234567|\+573001234567/, 'but not the searched number')
})
