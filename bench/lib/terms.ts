import type { Knex } from 'knex'
import { CALLS_TABLE } from '../../src/db/calls.js'
import { patientNumber, patientPoolSize } from './generate.js'

// What the scenarios ask for, picked from the dataset the same way on every run: a patient who
// calls now and then (a dozen calls or so over two years), a call in the middle of the history,
// a busy weekday a month back, and the page halfway down the history.

export interface Terms {
  /** The last four digits of a patient's number (also matches other numbers ending so). */
  last4: string
  /** The same patient's number in full, as a person would type it. */
  fullNumber: string
  /** That number as stored (E.164), for the seed's LIKE, which cannot see through formatting. */
  fullNumberStored: string
  /** A conversation id from the middle of the history. */
  conversationId: string
  /** A weekday about a month before the newest call, in Bogotá time. */
  date: string
  /** Page 25,000 at 1M calls: halfway down the history at pageSize 20. */
  deepPage: number
  pageSize: number
}

const CLINIC_LINES = ['+576076916019', '+576017458200', '+576043221100']

function bogotaDay (ms: number): { ymd: string, weekday: number } {
  const local = new Date(ms - 5 * 3_600_000)
  return { ymd: local.toISOString().slice(0, 10), weekday: local.getUTCDay() }
}

export async function pickTerms (knex: Knex, rows: number, end: Date): Promise<Terms> {
  const pool = patientPoolSize(rows)
  let index = Math.floor(pool * 0.044)
  let number = patientNumber(index)
  // Not a number whose last digits are a clinic line's: those match a third of the history.
  while (CLINIC_LINES.some((l) => l.slice(-4) === number.slice(-4)) || !number.startsWith('+573')) number = patientNumber(++index)
  const middle = await knex(CALLS_TABLE).select('conversation_id').where('id', Math.floor(rows / 2)).first() as { conversation_id: string } | undefined
  if (middle === undefined) throw new Error('the bench dataset has no call in the middle of its history')
  let day = end.getTime() - 30 * 86_400_000
  while (bogotaDay(day).weekday !== 2) day -= 86_400_000
  const pageSize = 20
  return {
    last4: number.slice(-4),
    // +57 300 123 4567
    fullNumber: `${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6, 9)} ${number.slice(9)}`,
    fullNumberStored: number,
    conversationId: middle.conversation_id,
    date: bogotaDay(day).ymd,
    deepPage: Math.max(1, Math.floor(rows / 2 / pageSize)),
    pageSize
  }
}
