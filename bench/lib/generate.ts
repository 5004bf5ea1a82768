import { createRng, type Rng } from './random.js'

// A realistic call history for one organisation (a clinic's appointment lines in Colombia):
// ~2 years of calls growing over time, weekday and business-hour shaped in Bogotá time, mostly
// inbound from a pool of patients who call again and again, mostly done, some failed, a few
// still in progress. Rows are produced in start order, already in the store's column format.

export const DATASET_VERSION = 3

const BOGOTA_OFFSET_HOURS = -5
const HOUR_MS = 3_600_000
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz'
const HEX = '0123456789abcdef'

export interface DatasetSpec {
  rows: number
  /** The newest call starts shortly before this instant. */
  end: Date
  days?: number
  seed?: number
}

export type CallRow = Record<string, string | number | null>

const AGENTS = [
  { id: 'agent_0401k8m3n2q7fz5t9wq6c1r4hx2b', name: 'Biosanar Citas', line: '+576076916019', weight: 6 },
  { id: 'agent_0801k8m3p5v2hd7x4nq9c2s6mr1e', name: 'Biosanar Sede Bogotá', line: '+576017458200', weight: 3 },
  { id: 'agent_1101k9a2w6r8ty3b5nq0c7f4kd9s', name: 'Biosanar Recordatorios', line: '+576043221100', weight: 1 }
] as const

/** Hour-of-day weights, Bogotá local time: quiet nights, morning peak, lunch dip. */
const HOUR_WEIGHTS = [0.05, 0.03, 0.02, 0.02, 0.04, 0.12, 0.35, 0.75, 1.0, 1.0, 0.95, 0.9, 0.6, 0.65, 0.9, 0.85, 0.8, 0.65, 0.45, 0.3, 0.22, 0.15, 0.1, 0.07]
/** Day-of-week weights (0 = Sunday). */
const DAY_WEIGHTS = [0.15, 1.15, 1.0, 1.0, 0.95, 0.9, 0.45]

const OPENINGS = [
  'Buenos días, se comunica con Biosanar, le habla el asistente de citas. ¿En qué le puedo ayudar?',
  'Buenas tardes, Biosanar, asistente virtual de citas. ¿Cómo le puedo ayudar hoy?',
  'Hola, le llamamos de Biosanar para recordarle su cita. ¿Tiene un momento?'
]
const REQUESTS = [
  'Hola, quería pedir una cita con medicina general para esta semana.',
  'Necesito cambiar la cita que tengo el jueves con el odontólogo.',
  'Buenas, ¿me puede decir a qué hora es mi cita de mañana?',
  'Quiero cancelar la cita de laboratorio, no puedo ir.',
  'Necesito una cita de pediatría para mi hija, lo antes posible.',
  '¿Tienen disponibilidad para control de tensión en la sede de San Gil?'
]
const FOLLOW_UPS = [
  'Claro, ¿me confirma su número de documento, por favor?',
  'Con gusto. Tengo disponibilidad el martes a las 8:20 o el miércoles a las 10:00. ¿Cuál prefiere?',
  'Perfecto, ya quedó registrada su solicitud.',
  'Entiendo. ¿Desea que le reprogramemos para la próxima semana?'
]
const ANSWERS = [
  'Sí, es el uno cero nueve ocho, siete seis cinco, cuatro tres dos.',
  'El martes a las ocho y veinte está bien.',
  'Sí, por favor, la próxima semana en la mañana.',
  'No, eso era todo, muchas gracias.'
]
const CLOSINGS = [
  'Su cita quedó agendada. Recuerde llegar quince minutos antes. ¡Que tenga un buen día!',
  'Listo, le enviaremos la confirmación por mensaje de texto. Hasta luego.',
  'Con gusto. Gracias por comunicarse con Biosanar.'
]
const SUMMARIES = [
  'El paciente solicitó una cita de medicina general; se agendó para el martes a las 8:20 en San Gil.',
  'La paciente reprogramó su cita odontológica para la semana siguiente.',
  'El usuario consultó la hora de su cita y se le confirmó.',
  'El paciente canceló su cita de laboratorio.',
  'Se agendó una cita de pediatría con confirmación por SMS.',
  'Llamada de recordatorio: el paciente confirmó su asistencia.'
]
const DONE_REASONS = ['Call ended by remote party', 'end_call tool was called.', 'Client disconnected: 1000', 'Call ended by remote party']
const FAILED_REASONS = ['busy', 'no-answer', 'failed', 'unknown']

function ulidLower (rng: Rng, timeMs: number): string {
  let time = ''
  let t = Math.floor(timeMs)
  for (let i = 0; i < 10; i++) {
    time = (CROCKFORD[t % 32] as string) + time
    t = Math.floor(t / 32)
  }
  return time + rng.chars(CROCKFORD, 16)
}

/** The external (patient) numbers: mostly Colombian mobiles, some landlines, some foreign. */
export function patientNumber (index: number): string {
  const rng = createRng(0x9e3779b9 ^ Math.imul(index + 1, 2654435761))
  const kind = rng.weighted([['mobile', 80], ['landline', 8], ['us', 5], ['es', 2], ['mx', 2], ['ve', 2], ['ec', 1]] as const)
  const digits = (n: number): string => rng.chars('0123456789', n)
  switch (kind) {
    case 'mobile': return `+573${rng.pick(['00', '01', '02', '04', '05', '10', '11', '12', '13', '14', '15', '16', '17', '18', '20', '21', '23', '50', '51'])}${digits(7)}`
    case 'landline': return `+5760${rng.pick(['1', '2', '4', '5', '7'])}${digits(7)}`
    case 'us': return `+1${rng.pick(['305', '786', '212', '415', '713'])}${rng.int(2, 10)}${digits(6)}`
    case 'es': return `+34${rng.pick(['6', '7'])}${digits(8)}`
    case 'mx': return `+52${rng.pick(['55', '33', '81'])}${digits(8)}`
    case 've': return `+58${rng.pick(['412', '414', '424'])}${digits(7)}`
    default: return `+593${rng.pick(['9'])}${digits(8)}`
  }
}

/** How many distinct patients call: repeat callers are the norm. */
export function patientPoolSize (rows: number): number {
  return Math.max(500, Math.floor(rows / 6))
}

/** Patients are skewed: a low index calls far more often than a high one. */
function patientIndex (rng: Rng, pool: number): number {
  return Math.floor(pool * Math.pow(rng.next(), 2.2))
}

const patientCache = new Map<number, string>()
function cachedPatientNumber (index: number): string {
  let n = patientCache.get(index)
  if (n === undefined) {
    n = patientNumber(index)
    patientCache.set(index, n)
  }
  return n
}

/** How many calls start in each hour of the span, summing exactly to `rows`, oldest first. */
export function hourlyCounts (spec: DatasetSpec): { firstHourMs: number, counts: Uint32Array } {
  const days = spec.days ?? 730
  const hours = days * 24
  const firstHourMs = spec.end.getTime() - hours * HOUR_MS
  const rng = createRng((spec.seed ?? 1) ^ 0x51ed)
  const weights = new Float64Array(hours)
  let dayNoise = 1
  let total = 0
  for (let h = 0; h < hours; h++) {
    const local = new Date(firstHourMs + h * HOUR_MS + BOGOTA_OFFSET_HOURS * HOUR_MS)
    if (local.getUTCHours() === 0 || h === 0) dayNoise = 0.85 + rng.next() * 0.3
    // Business grows over the two years: the newest months carry ~2.5x the oldest.
    const trend = 0.4 + 0.6 * (h / hours)
    const w = (HOUR_WEIGHTS[local.getUTCHours()] as number) * (DAY_WEIGHTS[local.getUTCDay()] as number) * trend * dayNoise
    weights[h] = w
    total += w
  }
  const counts = new Uint32Array(hours)
  let cumulative = 0
  let assigned = 0
  for (let h = 0; h < hours; h++) {
    cumulative += weights[h] as number
    const target = Math.round((cumulative / total) * spec.rows)
    counts[h] = target - assigned
    assigned = target
  }
  return { firstHourMs, counts }
}

// Turns are assembled as JSON text from pre-escaped parts: JSON.stringify of a million nested
// objects would dominate the seeding time.
const q = (text: string): string => JSON.stringify(text)
const TURN_TAIL_AGENT = ',"tool_calls":[],"tool_results":[],"feedback":null,"interrupted":false,"source_medium":null}'
const TURN_TAIL_USER = ',"tool_calls":[],"tool_results":[],"feedback":null,"interrupted":false,"source_medium":"audio"}'
const J_OPENINGS = OPENINGS.map(q)
const J_REQUESTS = REQUESTS.map(q)
const J_FOLLOW_UPS = FOLLOW_UPS.map(q)
const J_ANSWERS = ANSWERS.map(q)
const J_CLOSINGS = CLOSINGS.map(q)

function transcriptFor (rng: Rng, durationSeconds: number, outbound: boolean): string {
  const n = Math.max(2, Math.min(12, Math.round(durationSeconds / 20) + rng.int(0, 3)))
  const step = durationSeconds / n
  let out = '['
  for (let i = 0; i < n; i++) {
    const agent = i % 2 === 0
    let message: string
    if (i === 0) message = outbound ? (J_OPENINGS[2] as string) : (J_OPENINGS[rng.int(0, 2)] as string)
    else if (i === n - 1) message = rng.pick(J_CLOSINGS)
    else if (i === 1) message = rng.pick(J_REQUESTS)
    else message = agent ? rng.pick(J_FOLLOW_UPS) : rng.pick(J_ANSWERS)
    if (i > 0) out += ','
    out += `{"role":"${agent ? 'agent' : 'user'}","message":${message},"time_in_call_secs":${Math.round(i * step)}${agent ? TURN_TAIL_AGENT : TURN_TAIL_USER}`
  }
  return out + ']'
}

/** The store's time format ('YYYY-MM-DD HH:MM:SS.sss', UTC), as toDbTime writes it. */
function dbTime (ms: number): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}

function reversedDigitsFast (phone: string | null): string | null {
  if (phone === null) return null
  let out = ''
  for (let i = phone.length - 1; i >= 0; i--) {
    const c = phone.charCodeAt(i)
    if (c >= 48 && c <= 57) out += phone[i] as string
  }
  return out === '' ? null : out
}

const AGENT_WEIGHTS = AGENTS.map((a) => [a, a.weight] as const)
const PROVIDER_WEIGHTS = [['twilio', 70], ['sip_trunking', 25], ['web', 5]] as const
const RECENT_STATUS_WEIGHTS = [['in_progress', 6], ['done', 3], ['waiting', 1]] as const
const STATUS_WEIGHTS = [['done', 944], ['failed', 50], ['in_progress', 4], ['waiting', 2]] as const
const SPECIALTIES = ['medicina_general', 'odontologia', 'pediatria', 'laboratorio'] as const

export interface RowContext { rows: number, pool: number, endMs: number, seed: number }

/** One stored call starting at `startedAtMs`, as the store would have written it. */
export function makeRow (rng: Rng, ctx: RowContext, startedAtMs: number): CallRow {
  const agent = rng.weighted(AGENT_WEIGHTS)
  const outbound = agent.name === 'Biosanar Recordatorios' || rng.chance(0.08)
  const provider = rng.weighted(PROVIDER_WEIGHTS)
  const ageMs = ctx.endMs - startedAtMs
  let status: string
  if (ageMs < 20 * 60_000) status = rng.weighted(RECENT_STATUS_WEIGHTS)
  else status = rng.weighted(STATUS_WEIGHTS)
  const final = status === 'done' || status === 'failed'
  const duration = status === 'done'
    ? Math.max(4, Math.min(1800, Math.round(rng.logNormal(95, 0.75))))
    : status === 'in_progress' ? rng.int(5, 300) : 0
  const external = provider === 'web' ? null : cachedPatientNumber(patientIndex(rng, ctx.pool))
  // SIP trunks often hand over the national number without the plus sign.
  const externalShown = external !== null && provider === 'sip_trunking' && rng.chance(0.3) ? external.slice(1) : external
  const line = provider === 'web' ? null : agent.line
  const caller = outbound ? line : externalShown
  const callee = outbound ? externalShown : line
  const conversationId = `conv_${rng.chars('0123456789', 4)}${ulidLower(rng, startedAtMs)}`
  const callId = provider === 'twilio' ? `CA${rng.chars(HEX, 32)}` : provider === 'sip_trunking' ? `${rng.chars(HEX, 8)}-${rng.chars(HEX, 4)}-${rng.chars(HEX, 4)}-${rng.chars(HEX, 12)}@sip.biosanar.example` : null
  const summary = status === 'done' ? rng.pick(SUMMARIES) : null
  const endReason = status === 'failed' ? rng.pick(FAILED_REASONS) : status === 'done' ? rng.pick(DONE_REASONS) : null
  const hasAudio = status === 'done' && rng.chance(0.9)
  const startSecs = Math.floor(startedAtMs / 1000)
  const source = provider === 'web' ? 'web' : provider
  const phoneCall = provider === 'web'
    ? 'null'
    : `{"type":"${provider}","direction":"${outbound ? 'outbound' : 'inbound'}","phone_number_id":"phnum_${agent.id.slice(6, 18)}","agent_number":"${line ?? ''}","external_number":"${externalShown ?? ''}","call_sid":"${callId ?? ''}"}`
  const metadata = `{"start_time_unix_secs":${startSecs},"call_duration_secs":${duration},"accepted_time_unix_secs":${startSecs},"cost":${Math.round(duration * 10.5)},"termination_reason":${endReason === null ? 'null' : `"${endReason}"`},"main_language":"es","timezone":"America/Bogota","text_only":false,"conversation_initiation_source":"${source}","phone_call":${phoneCall}}`
  const analysis = status === 'done'
    ? `{"call_successful":"${rng.chance(0.88) ? 'success' : 'failure'}","transcript_summary":${q(summary ?? '')},"call_summary_title":"Gestión de cita","evaluation_criteria_results":{"cita_gestionada":{"criteria_id":"cita_gestionada","result":"success","rationale":"Se resolvió la solicitud del paciente."}},"data_collection_results":{"especialidad":{"data_collection_id":"especialidad","value":"${rng.pick(SPECIALTIES)}","rationale":"Mencionada por el paciente."}}}`
    : null
  const started = dbTime(startedAtMs)
  const synced = dbTime(Math.min(ctx.endMs, startedAtMs + (duration + 30) * 1000))
  return {
    conversation_id: conversationId,
    call_id: callId,
    agent_id: agent.id,
    agent_name: agent.name,
    caller_number: caller,
    callee_number: callee,
    caller_digits_rev: reversedDigitsFast(caller),
    callee_digits_rev: reversedDigitsFast(callee),
    status,
    call_direction: provider === 'web' ? null : (outbound ? 'outbound' : 'inbound'),
    call_type: provider,
    started_at: started,
    ended_at: final ? dbTime(startedAtMs + duration * 1000) : null,
    duration_seconds: duration,
    transcript: status === 'done' || (status === 'in_progress' && rng.chance(0.5)) ? transcriptFor(rng, Math.max(duration, 20), outbound) : null,
    analysis,
    summary,
    metadata,
    end_reason: endReason,
    recording_url: hasAudio ? `/calls/${conversationId}/recording` : null,
    has_audio: hasAudio ? 1 : 0,
    synced_from_api: 1,
    last_synced_at: synced,
    created_at: synced,
    updated_at: synced
  }
}

/**
 * The dataset as batches of rows, oldest first. Deterministic for a given spec (and seed), so
 * two seedings of the same size hold the same calls.
 */
export function * generateRows (spec: DatasetSpec, batchSize: number): Generator<CallRow[]> {
  const seed = spec.seed ?? 1
  const rng = createRng(seed)
  const { firstHourMs, counts } = hourlyCounts(spec)
  const ctx: RowContext = { rows: spec.rows, pool: patientPoolSize(spec.rows), endMs: spec.end.getTime(), seed }
  let batch: CallRow[] = []
  for (let h = 0; h < counts.length; h++) {
    const n = counts[h] as number
    if (n === 0) continue
    const starts: number[] = []
    for (let i = 0; i < n; i++) starts.push(firstHourMs + h * HOUR_MS + Math.floor(rng.next() * HOUR_MS))
    starts.sort((a, b) => a - b)
    for (const s of starts) {
      batch.push(makeRow(rng, ctx, s))
      if (batch.length >= batchSize) {
        yield batch
        batch = []
      }
    }
  }
  if (batch.length > 0) yield batch
}
