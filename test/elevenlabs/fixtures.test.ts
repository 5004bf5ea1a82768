import t from 'tap'
import * as serializers from '@elevenlabs/elevenlabs-js/serialization/index.js'
import { CONVERSATION_FIXTURES, fixture } from '../fixtures/elevenlabs/index.js'

// The fixtures are only worth something if they are what ElevenLabs sends: the official SDK's
// own response schemas must accept them with no unknown key and no unknown enum value.

const strict = { unrecognizedObjectKeys: 'fail', allowUnrecognizedEnumValues: false, allowUnrecognizedUnionMembers: false } as const

function errorsOf (result: { ok: boolean, errors?: Array<{ path: string[], message: string }> }): string[] {
  return result.ok ? [] : (result.errors ?? []).map((e) => `${e.path.join('.')}: ${e.message}`)
}

t.test('every conversation fixture is a valid GetConversationResponseModel', async (t) => {
  for (const name of CONVERSATION_FIXTURES) {
    t.same(errorsOf(serializers.GetConversationResponseModel.parse(fixture(name), strict)), [], name)
  }
})

t.test('the list page is a valid GetConversationsPageResponseModel', async (t) => {
  t.same(errorsOf(serializers.GetConversationsPageResponseModel.parse(fixture('conversations-page'), strict)), [])
})

t.test('the transcription webhook carries a valid conversation', async (t) => {
  const event = fixture<{ type: string, data: unknown }>('webhook-post-call-transcription')
  t.equal(event.type, 'post_call_transcription')
  t.same(errorsOf(serializers.GetConversationResponseModel.parse(event.data, strict)), [])
})
