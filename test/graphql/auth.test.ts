import t from 'tap'
import { audioSeconds } from '../../src/emulator/data.js'
import { buildTestApp } from '../helpers/app.js'
import { emulatorEnv, startEmulator } from '../helpers/emulator.js'
import { ADMIN, READER, buildLoggedApp, count, gql, newestSpecs } from './helpers.js'

// Who may do what: reads are open unless API_TOKEN is set; syncCalls needs the admin token; a
// token that matches nothing is refused; a refused mutation runs nothing.

const READ = '{ calls(pageSize: 1) { pagination { total } } }'
const SYNC = 'mutation { syncCalls(limit: 5) { status recordsSynced } }'
const READ_OK = { status: 200, body: { data: { calls: { pagination: { total: 0 } } } } }
const GATE = {
  status: 401,
  body: { data: null, errors: [{ message: 'Send Authorization: Bearer <API_TOKEN> (or the admin token) to use this API', extensions: { code: 'UNAUTHENTICATED' } }] }
}

async function raw (app: Parameters<typeof gql>[0], authorization: string): Promise<{ status: number, body: unknown, challenge: unknown }> {
  const res = await app.inject({ method: 'POST', url: '/graphql', headers: { authorization }, payload: { query: READ } })
  return { status: res.statusCode, body: res.json(), challenge: res.headers['www-authenticate'] }
}

t.test('without API_TOKEN: reads are open, syncs need the admin token', async (t) => {
  const emu = await startEmulator(t, { count: 20 })
  // No head: these reads must not touch the API, so the emulator counts only sync requests.
  const { app, db } = await buildTestApp(t, { ...emulatorEnv(emu), ADMIN_TOKEN: ADMIN, HYBRID_API_LIMIT: '0' })

  t.same(await gql(app, READ), READ_OK, 'anonymous read')
  t.same(await gql(app, READ, undefined, ADMIN), READ_OK, 'admin read')
  t.same(await raw(app, 'Bearer not-a-token-of-this-service'), { ...GATE, challenge: 'Bearer' }, 'a wrong token is refused, not read as anonymous')
  t.same(await raw(app, `Basic ${Buffer.from(`x:${ADMIN}`).toString('base64')}`), { ...GATE, challenge: 'Bearer' }, 'another scheme is refused')
  t.same(await raw(app, 'Bearer'), { ...GATE, challenge: 'Bearer' }, 'an empty bearer is refused')

  t.same(await gql(app, SYNC), {
    status: 200,
    body: { data: null, errors: [{ message: 'syncCalls needs Authorization: Bearer <ADMIN_TOKEN>', locations: [{ line: 1, column: 12 }], path: ['syncCalls'], extensions: { code: 'UNAUTHENTICATED' } }] }
  }, 'anonymous sync')
  t.same(await gql(app, SYNC, undefined, `${ADMIN}x`), GATE, 'a near-miss admin token')
  t.equal(await count(db, 'elevenlabs_sync_log'), 0, 'nothing ran')
  t.equal(emu.emulator.stats.count(), 0, 'the API was not called')

  t.same(await gql(app, SYNC, undefined, ADMIN), { status: 200, body: { data: { syncCalls: { status: 'success', recordsSynced: 5 } } } }, 'admin sync runs')
  t.equal(await count(db, 'elevenlabs_calls'), 5)
})

t.test('with API_TOKEN: every request needs the read or the admin token', async (t) => {
  const emu = await startEmulator(t, { count: 20 })
  const withAudio = newestSpecs(emu, 20).find((s) => audioSeconds(s) !== undefined)
  if (withAudio === undefined) throw new Error('the seed has no call with audio')
  const { app, db } = await buildTestApp(t, { ...emulatorEnv(emu), ADMIN_TOKEN: ADMIN, API_TOKEN: READER, HYBRID_API_LIMIT: '0' })

  t.same(await gql(app, READ), GATE, 'no token')
  t.same(await raw(app, 'Bearer wrong-token-0123456789abcdef'), { ...GATE, challenge: 'Bearer' }, 'a wrong token of the same length')
  t.same(await raw(app, 'Bearer x'), { ...GATE, challenge: 'Bearer' }, 'a short wrong token')
  t.same(await raw(app, `bearer ${READER}`), { status: 200, body: READ_OK.body, challenge: undefined }, 'the scheme is case-insensitive')
  t.same(await gql(app, READ, undefined, READER), READ_OK, 'read token')
  t.same(await gql(app, READ, undefined, ADMIN), READ_OK, 'admin token reads too')
  const get = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent(READ)}` })
  t.same({ status: get.statusCode, body: get.json() }, GATE, 'GET is guarded the same way')
  t.equal((await app.inject({ method: 'GET', url: '/graphiql' })).statusCode, 200, 'the GraphiQL page itself is static and open')

  t.same(await gql(app, SYNC, undefined, READER), {
    status: 200,
    body: { data: null, errors: [{ message: 'syncCalls needs the admin token; this token may only read', locations: [{ line: 1, column: 12 }], path: ['syncCalls'], extensions: { code: 'FORBIDDEN' } }] }
  }, 'a read token may not sync')
  t.same(await gql(app, SYNC), GATE, 'no token may not sync')
  t.equal(await count(db, 'elevenlabs_sync_log'), 0, 'nothing ran')
  t.equal(emu.emulator.stats.count(), 0, 'the API was not called')
  t.same(await gql(app, SYNC, undefined, ADMIN), { status: 200, body: { data: { syncCalls: { status: 'success', recordsSynced: 5 } } } }, 'the admin token syncs')

  const url = `/calls/${withAudio.conversationId}/recording`
  const anonymous = await app.inject({ method: 'GET', url })
  t.same({ status: anonymous.statusCode, challenge: anonymous.headers['www-authenticate'], body: anonymous.json() },
    { status: 401, challenge: 'Bearer', body: { statusCode: 401, error: 'Unauthorized', message: 'Send Authorization: Bearer <API_TOKEN> (or the admin token)' } }, 'recording without a token')
  t.equal((await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer nope' } })).statusCode, 401, 'recording with a wrong token')
  t.equal(emu.emulator.stats.count('audio'), 0, 'refused before the API')
  for (const token of [READER, ADMIN]) {
    const ok = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
    t.equal(ok.statusCode, 200, 'recording with a valid token')
    t.equal(ok.headers['content-type'], 'audio/mpeg')
  }
})

t.test('without ADMIN_TOKEN outside production: one is generated, logged once, and works', async (t) => {
  const emu = await startEmulator(t, { count: 10 })
  const { app, lines } = await buildLoggedApp(t, { ...emulatorEnv(emu), HYBRID_API_LIMIT: '0' })
  const notices = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('ADMIN_TOKEN is not set'))
  t.equal(notices.length, 1, 'logged once')
  t.equal(notices[0]?.level, 40, 'as a warning')
  const token = /Bearer (\S+)$/.exec(notices[0]?.msg as string)?.[1]
  t.ok(token !== undefined && token.length >= 32, 'a long random token')
  t.same(await gql(app, SYNC, undefined, token), { status: 200, body: { data: { syncCalls: { status: 'success', recordsSynced: 5 } } } })
  t.same(await gql(app, SYNC, undefined, 'admin-token-guessed-0123456789'), GATE)

  const other = await buildLoggedApp(t, { ...emulatorEnv(emu), HYBRID_API_LIMIT: '0' })
  const otherToken = /Bearer (\S+)$/.exec(other.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('ADMIN_TOKEN is not set'))?.msg as string)?.[1]
  t.not(otherToken, token, 'each process makes its own')
})
