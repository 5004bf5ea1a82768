import t from 'tap'
import { callFromConversation, callFromSummary, callFromWebhook, initiationFailureDetails, mapStatus, recordingPath } from '../../src/elevenlabs/mapping.js'
import type { CallInitiationFailureData, Conversation, ConversationsPage } from '../../src/elevenlabs/types.js'
import type { CallRecord } from '../../src/db/types.js'
import { CONVERSATION_FIXTURES, fixture, type FixtureName } from '../fixtures/elevenlabs/index.js'

const at = (unix: number): Date => new Date(unix * 1000)

t.test('mapStatus: every API status, and unknown values do not throw', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['initiated', 'waiting'],
    ['in-progress', 'in_progress'],
    ['processing', 'in_progress'],
    ['done', 'done'],
    ['failed', 'failed'],
    ['queued_for_review', 'in_progress'],
    ['DONE', 'in_progress'],
    [undefined, 'in_progress'],
    [null, 'in_progress'],
    [42, 'in_progress']
  ]
  for (const [api, stored] of cases) t.equal(mapStatus(api), stored, `${String(api)} -> ${stored}`)
})

t.test('recordingPath points at this service and encodes the id', async (t) => {
  t.equal(recordingPath('conv_abc'), '/calls/conv_abc/recording')
  t.equal(recordingPath('conv/a b?'), '/calls/conv%2Fa%20b%3F/recording')
})

t.test('callFromConversation: one row per fixture kind', async (t) => {
  const expected: Record<typeof CONVERSATION_FIXTURES[number], Partial<CallRecord>> = {
    'conversation-twilio-inbound': {
      conversationId: 'conv_2201k8qb6r3ef8y0a5m7n2t9k4vd',
      status: 'done',
      callId: 'CA1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c',
      agentId: 'agent_0401k8m3n2q7fz5t9wq6c1r4hx2b',
      agentName: 'Biosanar Citas',
      callerNumber: '+573001234567',
      calleeNumber: '+576076916019',
      callDirection: 'inbound',
      callType: 'twilio',
      startedAt: at(1761748200),
      endedAt: at(1761748243),
      durationSeconds: 43,
      endReason: 'Call ended by remote party',
      hasAudio: true,
      recordingUrl: '/calls/conv_2201k8qb6r3ef8y0a5m7n2t9k4vd/recording',
      syncedFromApi: true
    },
    'conversation-twilio-outbound': {
      status: 'done',
      callId: 'CA9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
      callerNumber: '+576076916019',
      calleeNumber: '+573157654321',
      callDirection: 'outbound',
      callType: 'twilio',
      endReason: 'end_call tool was called.',
      durationSeconds: 19
    },
    'conversation-sip-trunking': {
      callId: 'b7f2c1e0-3d4a-4c5b-9e8f-0a1b2c3d4e5f',
      callerNumber: '+573208889900',
      calleeNumber: '+576076916020',
      callDirection: 'inbound',
      callType: 'sip_trunking'
    },
    'conversation-web-widget': {
      callType: 'widget',
      callId: undefined,
      callerNumber: undefined,
      calleeNumber: undefined,
      callDirection: undefined,
      hasAudio: false,
      recordingUrl: undefined,
      endReason: 'Client disconnected: 1000'
    },
    'conversation-failed': {
      status: 'failed',
      callerNumber: '+14155550123',
      endReason: 'Error while connecting to LLM',
      analysis: undefined,
      summary: undefined,
      endedAt: at(1761685544)
    },
    'conversation-in-progress': {
      status: 'in_progress',
      startedAt: at(1761832872),
      endedAt: undefined,
      endReason: undefined,
      summary: undefined
    }
  }
  for (const name of CONVERSATION_FIXTURES) {
    const conv = fixture<Conversation>(name)
    const call = callFromConversation(conv)
    for (const [key, value] of Object.entries(expected[name])) {
      t.same(call[key as keyof CallRecord], value, `${name}: ${key}`)
    }
    t.equal(call.transcript?.length, conv.transcript.length, `${name}: every turn kept`)
    t.same(call.metadata, conv.metadata, `${name}: metadata kept whole`)
  }
})

t.test('transcript keeps every field of each turn; summary comes from the analysis', async (t) => {
  const conv = fixture<Conversation>('conversation-twilio-inbound')
  const call = callFromConversation(conv)
  t.same(call.transcript, conv.transcript, 'turns exactly as received')
  const toolTurn = call.transcript?.[2]
  t.equal(toolTurn?.message, null, 'a tool-only turn has a null message')
  t.equal((toolTurn?.tool_calls as Array<{ tool_name: string }>)[0]?.tool_name, 'consultar_disponibilidad')
  t.same(call.analysis, conv.analysis)
  t.equal(call.summary, conv.analysis?.transcript_summary)
})

t.test('ended_at: set once the call is over (processing included), never for a running call', async (t) => {
  const conv = fixture<Conversation>('conversation-twilio-inbound')
  const cases: Array<[string, Date | undefined]> = [
    ['done', at(1761748243)],
    ['failed', at(1761748243)],
    ['processing', at(1761748243)],
    ['in-progress', undefined],
    ['initiated', undefined],
    ['something-new', undefined]
  ]
  for (const [status, endedAt] of cases) {
    t.same(callFromConversation({ ...conv, status }).endedAt, endedAt, `detail ${status}`)
    const summary = fixture<ConversationsPage>('conversations-page').conversations[5]
    t.same(summary === undefined ? 'missing' : callFromSummary({ ...summary, status }).endedAt, endedAt, `summary ${status}`)
  }
})

t.test('web call with no phone_call and no initiation source is "web"', async (t) => {
  const conv = fixture<Conversation>('conversation-web-widget')
  delete conv.metadata.conversation_initiation_source
  t.equal(callFromConversation(conv).callType, 'web')
  delete conv.metadata.phone_call
  t.equal(callFromConversation(conv).callType, 'web', 'absent phone_call too')
})

t.test('call_id falls back to phone_call.call_id when there is no call_sid', async (t) => {
  const conv = fixture<Conversation>('conversation-sip-trunking')
  delete conv.metadata.phone_call?.call_sid
  t.equal(callFromConversation(conv).callId, '3c9d7e1f2a4b@sbc.biosanar.example')
})

t.test('unknown fields, enum values and odd shapes never throw', async (t) => {
  const conv = fixture<Conversation>('conversation-twilio-inbound')
  const odd = {
    ...conv,
    status: 'archived',
    brand_new_field: { nested: true },
    metadata: { ...conv.metadata, phone_call: { ...conv.metadata.phone_call, type: 'vonage', direction: 'sideways' } },
    analysis: { ...conv.analysis, call_successful: 'maybe' },
    transcript: [...conv.transcript, { role: 'system', time_in_call_secs: 40, platform_event: 'user_turn_timeout' }, 'garbage']
  } as unknown as Conversation
  const call = callFromConversation(odd)
  t.equal(call.status, 'in_progress')
  t.equal(call.callType, 'vonage')
  t.equal(call.callDirection, undefined, 'unknown direction: unknown, no numbers guessed')
  t.equal(call.callerNumber, undefined)
  t.equal(call.transcript?.length, conv.transcript.length + 1, 'non-object turns dropped, unknown roles kept')
  t.equal(call.transcript?.at(-1)?.role, 'system')

  const bare = callFromConversation({ conversation_id: 'conv_bare', status: 'done' } as unknown as Conversation)
  t.equal(bare.conversationId, 'conv_bare')
  t.equal(bare.startedAt, undefined)
  t.equal(bare.transcript, undefined)
  t.equal(bare.metadata, undefined)
})

t.test('callFromSummary: list items carry no numbers and no transcript', async (t) => {
  const page = fixture<ConversationsPage>('conversations-page')
  const rows = page.conversations.map(callFromSummary)
  const byId = new Map(rows.map((r) => [r.conversationId, r]))
  const cases: Array<[string, Partial<CallRecord>]> = [
    ['conv_6601k8rb2c4e6g8j0l2n4q6s8u0w', { status: 'waiting', callDirection: 'outbound', callType: 'twilio', startedAt: at(1761834000), endedAt: undefined, summary: undefined }],
    ['conv_5501k8r9b1d3f5h7k9m1p3r5t7vx', { status: 'in_progress', endedAt: undefined, durationSeconds: 0 }],
    ['conv_9101k8r3a5c7e9g1j3l5n7q9s1ue', { status: 'done', callDirection: undefined, callType: 'widget', endReason: 'Client disconnected: 1000' }],
    // The list says sip_trunk, the full conversation sip_trunking: stored as one name.
    ['conv_7301k8r1m4n6p8q0s2t4v6x8z0bd', { callType: 'sip_trunking' }],
    ['conv_2201k8qb6r3ef8y0a5m7n2t9k4vd', {
      status: 'done',
      agentId: 'agent_0401k8m3n2q7fz5t9wq6c1r4hx2b',
      agentName: 'Biosanar Citas',
      callDirection: 'inbound',
      startedAt: at(1761748200),
      endedAt: at(1761748243),
      durationSeconds: 43,
      summary: page.conversations[5]?.transcript_summary ?? 'missing',
      endReason: 'Call ended by remote party',
      syncedFromApi: true
    }],
    ['conv_1201k8r5f7h9k1m3p5r7t9w1y3zc', { status: 'failed', endedAt: at(1761685544) }]
  ]
  for (const [id, expected] of cases) {
    const row = byId.get(id)
    t.ok(row, id)
    for (const [key, value] of Object.entries(expected)) t.same(row?.[key as keyof CallRecord], value, `${id}: ${key}`)
  }
  for (const row of rows) {
    for (const key of ['callerNumber', 'calleeNumber', 'transcript', 'callId', 'recordingUrl'] as const) {
      t.equal(row[key], undefined, `${row.conversationId}: ${key} left unknown`)
    }
  }
  const odd = callFromSummary({ ...page.conversations[0], status: 'paused', direction: 'diagonal', extra: 1 } as never)
  t.equal(odd.status, 'in_progress')
  t.equal(odd.callDirection, undefined)
})

t.test('callFromWebhook: post_call_transcription is the conversation, not from the API', async (t) => {
  const event = fixture<{ data: Conversation }>('webhook-post-call-transcription')
  const call = callFromWebhook(event)
  t.same(call, { ...callFromConversation(event.data), syncedFromApi: false })
})

t.test('callFromWebhook: post_call_audio is a placeholder without the audio', async (t) => {
  const call = callFromWebhook(fixture('webhook-post-call-audio'))
  t.same(call, {
    conversationId: 'conv_2201k8qb6r3ef8y0a5m7n2t9k4vd',
    agentId: 'agent_0401k8m3n2q7fz5t9wq6c1r4hx2b',
    status: 'in_progress',
    hasAudio: true,
    recordingUrl: '/calls/conv_2201k8qb6r3ef8y0a5m7n2t9k4vd/recording',
    syncedFromApi: false
  })
  t.notMatch(JSON.stringify(call), /SUQz/, 'full_audio never copied')
})

t.test('callFromWebhook: call_initiation_failure from SIP (numeric code) and Twilio (strings)', async (t) => {
  const cases: Array<[FixtureName, Partial<CallRecord>, number]> = [
    ['webhook-initiation-failure-sip', {
      conversationId: 'conv_8801k8r8x0z2b4d6f8h0k2m4p6rq',
      status: 'failed',
      endReason: 'busy',
      callerNumber: '+576076916020',
      calleeNumber: '+573208889900',
      callDirection: 'outbound',
      callId: 'a84b4c76e66710@pbx.biosanar.example',
      callType: 'sip_trunking',
      startedAt: at(1761832730),
      syncedFromApi: false
    }, 486],
    ['webhook-initiation-failure-twilio', {
      conversationId: 'conv_6601k8rb2c4e6g8j0l2n4q6s8u0w',
      status: 'failed',
      endReason: 'no-answer',
      callerNumber: '+576076916019',
      calleeNumber: '+573001112233',
      callDirection: 'outbound',
      callId: 'CA5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a',
      callType: 'twilio',
      startedAt: at(1761834005)
    }, 480]
  ]
  for (const [name, expected, sip] of cases) {
    const event = fixture<{ data: CallInitiationFailureData }>(name)
    const call = callFromWebhook(event)
    t.ok(call, name)
    for (const [key, value] of Object.entries(expected)) t.same(call?.[key as keyof CallRecord], value, `${name}: ${key}`)
    const metadata = call?.metadata as { type: string, body: unknown, sip_status_code: number }
    t.equal(metadata.sip_status_code, sip, `${name}: SIP code as a number`)
    t.same(metadata.body, event.data.metadata?.body, `${name}: provider body kept`)
  }
})

t.test('initiation failure details tolerate naming, types and missing parts', async (t) => {
  const cases: Array<[string, unknown, object]> = [
    ['camel case, numeric strings', { fromNumber: '+573001', ToNumber: '+573002', SipStatusCode: '603' }, { callerNumber: '+573001', calleeNumber: '+573002', sipStatusCode: 603 }],
    ['numbers as numbers', { from: 573001, to: 573002, sip_status_code: 404 }, { callerNumber: '573001', calleeNumber: '573002', sipStatusCode: 404 }],
    ['non-numeric code ignored', { sip_status_code: 'Busy' }, { sipStatusCode: undefined }],
    ['inbound direction', { Direction: 'inbound' }, { callDirection: 'inbound' }],
    ['body is not an object', 'oops', { callerNumber: undefined, sipStatusCode: undefined }],
    ['no body at all', undefined, { callId: undefined }]
  ]
  for (const [label, body, expected] of cases) {
    const details = initiationFailureDetails({ agent_id: 'a', conversation_id: 'c', metadata: body === undefined ? null : { type: 'sip', body } } as CallInitiationFailureData)
    t.match(details, expected, label)
    for (const [key, value] of Object.entries(expected)) t.equal(details[key as keyof typeof details], value, `${label}: ${key}`)
  }
  const bare = callFromWebhook({ type: 'call_initiation_failure', event_timestamp: 1761834005, data: { conversation_id: 'conv_x', agent_id: 'agent_y' } })
  t.match(bare, { conversationId: 'conv_x', status: 'failed', startedAt: at(1761834005), metadata: undefined, endReason: undefined })
})

t.test('callFromWebhook: unknown or malformed events are null, never a throw', async (t) => {
  const cases: unknown[] = [
    { type: 'post_call_summary', event_timestamp: 1, data: { conversation_id: 'conv_1' } },
    { type: 'post_call_transcription', data: null },
    { type: 'post_call_transcription', data: { agent_id: 'a' } },
    { type: 'post_call_audio', data: [] },
    null,
    'post_call_transcription',
    []
  ]
  for (const event of cases) t.equal(callFromWebhook(event), null, JSON.stringify(event))
})
