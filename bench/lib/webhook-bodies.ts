import { patientNumber } from './generate.js'

// Webhook deliveries as ElevenLabs sends them (see ../shared/elevenlabs-api.md): a finished
// call's post_call_transcription with a transcript of several turns, and a post_call_audio
// with the whole recording as base64.

const AGENT_ID = 'agent_0401k8m3n2q7fz5t9wq6c1r4hx2b'

export function transcriptionDelivery (conversationId: string, i: number, nowSeconds: number): string {
  const start = nowSeconds - 300 - (i % 600)
  const duration = 60 + (i % 240)
  const turns = Array.from({ length: 8 }, (_, k) => ({
    role: k % 2 === 0 ? 'agent' : 'user',
    agent_metadata: k % 2 === 0 ? { agent_id: AGENT_ID, workflow_node_id: null } : null,
    message: k % 2 === 0 ? 'Con gusto. Tengo disponibilidad el martes a las 8:20 o el miércoles a las 10:00. ¿Cuál prefiere?' : 'El martes a las ocho y veinte está bien, gracias.',
    multivoice_message: null,
    tool_calls: [],
    tool_results: [],
    feedback: null,
    llm_override: null,
    time_in_call_secs: Math.round((k * duration) / 8),
    conversation_turn_metrics: null,
    rag_retrieval_info: null,
    llm_usage: null,
    interrupted: false,
    original_message: null,
    source_medium: k % 2 === 0 ? null : 'audio'
  }))
  return JSON.stringify({
    type: 'post_call_transcription',
    event_timestamp: nowSeconds,
    data: {
      agent_id: AGENT_ID,
      agent_name: 'Biosanar Citas',
      conversation_id: conversationId,
      status: 'done',
      user_id: null,
      branch_id: null,
      version_id: null,
      environment: 'production',
      transcript: turns,
      metadata: {
        start_time_unix_secs: start,
        call_duration_secs: duration,
        accepted_time_unix_secs: start,
        cost: duration * 10,
        termination_reason: 'end_call tool was called.',
        main_language: 'es',
        timezone: 'America/Bogota',
        text_only: false,
        conversation_initiation_source: 'twilio',
        phone_call: {
          type: 'twilio',
          direction: 'inbound',
          phone_number_id: 'phnum_0401k8m3n2q7',
          agent_number: '+576076916019',
          external_number: patientNumber(100_000 + i),
          stream_sid: `MZ${i.toString(16).padStart(32, '0')}`,
          call_sid: `CA${(i + 1).toString(16).padStart(32, '0')}`
        }
      },
      analysis: {
        evaluation_criteria_results: {},
        data_collection_results: {},
        call_successful: 'success',
        transcript_summary: 'El paciente agendó una cita de medicina general para el martes a las 8:20.',
        call_summary_title: 'Cita agendada'
      },
      conversation_initiation_client_data: { dynamic_variables: { system__time_utc: new Date(start * 1000).toISOString() } },
      has_audio: true,
      has_user_audio: true,
      has_response_audio: true
    }
  })
}

/** A post_call_audio delivery of about `totalBytes` (the base64 audio is nearly all of it). */
export function audioDelivery (conversationId: string, totalBytes: number, nowSeconds: number): Buffer {
  const head = Buffer.from(JSON.stringify({ type: 'post_call_audio', event_timestamp: nowSeconds, data: { agent_id: AGENT_ID, conversation_id: conversationId, full_audio: '' } }).slice(0, -3))
  const tail = Buffer.from('"}}')
  const audioBytes = Math.floor(((totalBytes - head.length - tail.length) * 3) / 4)
  // Not random: compressible-looking MP3 frames would not change what the server does with it.
  const mp3 = Buffer.alloc(audioBytes, 0x55)
  mp3.write('ID3', 0)
  return Buffer.concat([head, Buffer.from(mp3.toString('base64')), tail])
}
