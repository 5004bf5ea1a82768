import t from 'tap'
import { buildTestApp } from '../helpers/app.js'

t.test('GET /health: 200 when the database answers', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok', database: 'ok', elevenlabs: 'disabled' })
})

t.test('GET /health: 503 when the database is down', async (t) => {
  const { app, db } = await buildTestApp(t)
  // Break the pool the app uses: every query now fails as with a database that went away.
  await db.knex.destroy()
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { status: 'degraded', database: 'unreachable' })
})
