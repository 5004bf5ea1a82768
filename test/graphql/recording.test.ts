import t from 'tap'
import { audioSeconds } from '../../src/emulator/data.js'
import { buildTestApp } from '../helpers/app.js'
import { emulatorEnv, startEmulator } from '../helpers/emulator.js'
import { emulatorRecords, gql, newestSpecs, store } from './helpers.js'

// GET /calls/:id/recording streams the API's audio with the server's key; recordingUrl points here.

t.test('a call with audio: recordingUrl leads to the same bytes the API serves', async (t) => {
  const emu = await startEmulator(t, { count: 30 })
  const specs = newestSpecs(emu, 30)
  const withAudio = specs.find((s) => audioSeconds(s) !== undefined)
  const without = specs.find((s) => audioSeconds(s) === undefined)
  if (withAudio === undefined || without === undefined) throw new Error('the seed lacks a call with (or without) audio')
  const { app, db } = await buildTestApp(t, { ...emulatorEnv(emu), HYBRID_API_LIMIT: '0' })
  await store(db, emulatorRecords(emu))

  const res = await gql(app, `{ call(conversationId: "${withAudio.conversationId}") { recordingUrl } }`)
  const url = (res.body.data?.call as { recordingUrl: string }).recordingUrl
  t.equal(url, `/calls/${withAudio.conversationId}/recording`)

  const direct = await fetch(`${emu.url}/v1/convai/conversations/${withAudio.conversationId}/audio`, { headers: { 'xi-api-key': emu.apiKey } })
  const expected = Buffer.from(await direct.arrayBuffer())
  t.ok(expected.length > 1000, 'some real bytes')

  const audio = await app.inject({ method: 'GET', url })
  t.equal(audio.statusCode, 200)
  t.equal(audio.headers['content-type'], 'audio/mpeg')
  t.equal(Number(audio.headers['content-length']), expected.length)
  t.ok(audio.rawPayload.equals(expected), 'byte for byte')
  const sent = emu.emulator.stats.snapshot().recent.filter((r) => r.endpoint === 'audio')
  t.same(sent.map((r) => r.status), [200, 200], 'the API was asked once by the test and once by the route, with the key')

  t.test('404s: no audio, unknown call, not an id', async (t) => {
    const notFound = { statusCode: 404, error: 'Not Found', message: 'No recording for this call' }
    for (const path of [`/calls/${without.conversationId}/recording`, '/calls/conv_unknown/recording', '/calls/..%2F..%2Fv1%2Fuser/recording']) {
      const r = await app.inject({ method: 'GET', url: path })
      t.same({ status: r.statusCode, body: r.json() }, { status: 404, body: notFound }, path)
    }
  })

  t.test('the API failing is a 502, not a 404', async (t) => {
    emu.emulator.faults.add({ endpoint: 'audio', status: 503, times: 10 })
    const r = await app.inject({ method: 'GET', url })
    t.same({ status: r.statusCode, body: r.json() }, { status: 502, body: { statusCode: 502, error: 'Bad Gateway', message: 'The ElevenLabs API did not serve the recording; try again later' } })
    emu.emulator.faults.clear()
  })
})

t.test('without ElevenLabs there is nothing to stream: 503', async (t) => {
  const { app } = await buildTestApp(t)
  const r = await app.inject({ method: 'GET', url: '/calls/conv_x/recording' })
  t.same({ status: r.statusCode, body: r.json() }, { status: 503, body: { statusCode: 503, error: 'Service Unavailable', message: 'ElevenLabs is not configured, so recordings cannot be fetched' } })
})
