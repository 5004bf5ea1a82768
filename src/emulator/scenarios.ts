import type { Random } from './random.js'

// What callers of a clinic's appointment line talk about, in Spanish, as turn scripts. A
// scenario is picked per call; the data generator turns it into the wire format.

export interface ToolUse { name: string, params: Record<string, unknown>, result: unknown }

export interface ScriptTurn { role: 'agent' | 'user', message: string | null, tool?: ToolUse }

export interface Script {
  turns: ScriptTurn[]
  summary: string
  title: string
  successful: 'success' | 'failure' | 'unknown'
  terminationReason: string
  data: Record<string, string>
}

const SPECIALTIES = ['medicina general', 'odontología', 'pediatría', 'dermatología', 'ginecología', 'optometría', 'fisioterapia', 'nutrición'] as const
const SITES = ['San Gil', 'Bucaramanga', 'Socorro', 'Barbosa', 'Floridablanca'] as const
const DAYS = ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado'] as const
const TIMES = ['7:00 de la mañana', '7:40 de la mañana', '8:20 de la mañana', '9:00 de la mañana', '10:30 de la mañana', '2:00 de la tarde', '3:15 de la tarde', '4:40 de la tarde'] as const
const GREETINGS = ['Buenos días', 'Buenas tardes'] as const
const THANKS = ['No, eso es todo. Muchas gracias.', 'Listo, muchas gracias, muy amable.', 'Nada más, gracias. Que esté bien.'] as const

function opening (r: Random): ScriptTurn {
  return { role: 'agent', message: `${r.pick(GREETINGS)}, se comunica con Biosanar, le habla el asistente de citas. ¿En qué le puedo ayudar?` }
}

function closing (r: Random): ScriptTurn[] {
  return [
    { role: 'user', message: r.pick(THANKS) },
    { role: 'agent', message: 'Con mucho gusto. Que tenga un excelente día.' }
  ]
}

function book (r: Random): Script {
  const specialty = r.pick(SPECIALTIES)
  const site = r.pick(SITES)
  const [day1, day2] = [r.pick(DAYS), r.pick(DAYS)]
  const [time1, time2] = [r.pick(TIMES), r.pick(TIMES)]
  const chosen = r.chance(0.5) ? `${day1} a las ${time1}` : `${day2} a las ${time2}`
  return {
    turns: [
      opening(r),
      { role: 'user', message: `Hola, quería pedir una cita de ${specialty} en la sede ${site}.` },
      { role: 'agent', message: 'Claro que sí. Permítame su número de documento, por favor.' },
      { role: 'user', message: `Es la cédula que termina en ${r.digits(4)}.` },
      {
        role: 'agent',
        message: null,
        tool: { name: 'consultar_disponibilidad', params: { especialidad: specialty, sede: site }, result: { cupos: [`${day1} ${time1}`, `${day2} ${time2}`] } }
      },
      { role: 'agent', message: `Tengo disponible el ${day1} a las ${time1} o el ${day2} a las ${time2}. ¿Cuál le queda mejor?` },
      { role: 'user', message: `El ${chosen} me sirve.` },
      { role: 'agent', message: `Listo, su cita de ${specialty} quedó agendada para el ${chosen} en la sede ${site}. Le llegará un mensaje de confirmación. ¿Algo más?` },
      ...closing(r)
    ],
    summary: `El paciente pidió una cita de ${specialty}. El asistente consultó la disponibilidad en la sede ${site} y la agendó para el ${chosen}.`,
    title: `Cita de ${specialty} agendada`,
    successful: 'success',
    terminationReason: 'Call ended by remote party',
    data: { motivo: 'agendar', especialidad: specialty, sede: site }
  }
}

function cancel (r: Random): Script {
  const specialty = r.pick(SPECIALTIES)
  const day = r.pick(DAYS)
  return {
    turns: [
      opening(r),
      { role: 'user', message: `Necesito cancelar la cita de ${specialty} que tengo el ${day}.` },
      { role: 'agent', message: 'Entiendo. ¿Me confirma su número de documento?' },
      { role: 'user', message: `Sí, termina en ${r.digits(4)}.` },
      { role: 'agent', message: `Ya cancelé su cita de ${specialty} del ${day}. ¿Desea reprogramarla para otra fecha?` },
      { role: 'user', message: 'No por ahora, yo vuelvo a llamar.' },
      { role: 'agent', message: 'Perfecto. Cuando lo necesite, con gusto le ayudamos.' }
    ],
    summary: `El paciente canceló su cita de ${specialty} del ${day} y no quiso reprogramarla por ahora.`,
    title: `Cancelación de cita de ${specialty}`,
    successful: 'success',
    terminationReason: r.chance(0.5) ? 'Call ended by remote party' : 'end_call tool was called.',
    data: { motivo: 'cancelar', especialidad: specialty }
  }
}

function reschedule (r: Random): Script {
  const specialty = r.pick(SPECIALTIES)
  const [from, to] = [r.pick(DAYS), r.pick(DAYS)]
  const time = r.pick(TIMES)
  return {
    turns: [
      opening(r),
      { role: 'user', message: `Buenas, quisiera cambiar mi cita de ${specialty} del ${from} porque no puedo asistir.` },
      { role: 'agent', message: `Claro. Para ${specialty} tengo espacio el ${to} a las ${time}. ¿Le sirve?` },
      { role: 'user', message: 'Sí, ese horario me queda bien.' },
      { role: 'agent', message: `Listo, su cita quedó movida para el ${to} a las ${time}.` },
      ...closing(r)
    ],
    summary: `El paciente reprogramó su cita de ${specialty} del ${from} para el ${to} a las ${time}.`,
    title: `Reprogramación de cita de ${specialty}`,
    successful: 'success',
    terminationReason: 'Call ended by remote party',
    data: { motivo: 'reprogramar', especialidad: specialty }
  }
}

function results (r: Random): Script {
  const ready = r.chance(0.6)
  return {
    turns: [
      opening(r),
      { role: 'user', message: 'Hola, quería saber si ya están listos mis resultados de laboratorio.' },
      { role: 'agent', message: '¿Me regala su número de documento, por favor?' },
      { role: 'user', message: `Claro, termina en ${r.digits(4)}.` },
      {
        role: 'agent',
        message: ready
          ? 'Sus resultados ya están disponibles. Puede descargarlos en el portal de pacientes o recogerlos en la sede.'
          : 'Sus resultados todavía están en proceso. Normalmente están listos en dos días hábiles.'
      },
      ...closing(r)
    ],
    summary: ready
      ? 'El paciente preguntó por sus resultados de laboratorio; ya estaban disponibles en el portal de pacientes.'
      : 'El paciente preguntó por sus resultados de laboratorio; aún están en proceso y estarán listos en dos días hábiles.',
    title: 'Consulta de resultados de laboratorio',
    successful: 'success',
    terminationReason: 'Call ended by remote party',
    data: { motivo: 'resultados' }
  }
}

function hours (r: Random): Script {
  const site = r.pick(SITES)
  return {
    turns: [
      opening(r),
      { role: 'user', message: `¿Qué horario tiene la sede de ${site} los sábados?` },
      { role: 'agent', message: `La sede ${site} atiende los sábados de 7:00 de la mañana a 12:00 del mediodía.` },
      ...closing(r)
    ],
    summary: `Se consultó el horario de los sábados de la sede ${site}: de 7:00 a. m. a 12:00 m.`,
    title: 'Consulta de horario',
    successful: 'success',
    terminationReason: 'Client disconnected: 1000',
    data: { motivo: 'informacion', sede: site }
  }
}

function unclear (r: Random): Script {
  return {
    turns: [
      opening(r),
      { role: 'user', message: 'Aló... ¿aló? No se escucha bien.' },
      { role: 'agent', message: 'Disculpe, la comunicación está fallando. ¿Me escucha?' },
      { role: 'user', message: null }
    ],
    summary: 'La llamada tuvo problemas de audio y el usuario colgó sin indicar el motivo de su llamada.',
    title: 'Llamada sin motivo identificado',
    successful: 'failure',
    terminationReason: 'Call ended by remote party',
    data: { motivo: 'desconocido' }
  }
}

function reminder (r: Random): Script {
  const specialty = r.pick(SPECIALTIES)
  const time = r.pick(TIMES)
  const confirms = r.chance(0.75)
  return {
    turns: [
      { role: 'agent', message: `${r.pick(GREETINGS)}, le llamamos de Biosanar para recordarle su cita de ${specialty} de mañana a las ${time}. ¿Nos confirma su asistencia?` },
      confirms
        ? { role: 'user', message: 'Sí, claro, ahí estaré.' }
        : { role: 'user', message: 'No voy a poder ir, ¿la pueden cancelar?' },
      confirms
        ? { role: 'agent', message: 'Perfecto, queda confirmada. Recuerde llegar quince minutos antes con su documento.' }
        : { role: 'agent', message: 'Entendido, su cita quedó cancelada. Puede llamarnos cuando quiera agendar de nuevo.' },
      { role: 'user', message: 'Gracias.' }
    ],
    summary: confirms
      ? `Llamada de recordatorio: el paciente confirmó su cita de ${specialty} de mañana a las ${time}.`
      : `Llamada de recordatorio: el paciente no puede asistir y se canceló su cita de ${specialty} de mañana.`,
    title: confirms ? `Confirmación de cita de ${specialty}` : `Cancelación de cita de ${specialty} por recordatorio`,
    successful: 'success',
    terminationReason: 'end_call tool was called.',
    data: { motivo: confirms ? 'confirmar' : 'cancelar', especialidad: specialty }
  }
}

export function inboundScript (r: Random): Script {
  return r.weighted<(r: Random) => Script>([[book, 40], [cancel, 15], [reschedule, 15], [results, 15], [hours, 10], [unclear, 5]])(r)
}

export function outboundScript (r: Random): Script {
  return reminder(r)
}

export const FAILURE_REASONS: ReadonlyArray<readonly [string, { code: number, reason: string }]> = [
  ['Error while connecting to LLM', { code: 1011, reason: 'LLM request timed out' }],
  ['Twilio call failed', { code: 1011, reason: 'Media stream closed unexpectedly' }],
  ['Internal error', { code: 1011, reason: 'Internal server error' }]
]
