import type { Knex } from 'knex'
import { CALLS_TABLE } from '../../src/db/calls.js'

// The seed's query patterns (sync-system.es.md: GET /api/consultations/elevenlabs with search,
// date_filter, page), the references scenarios 2-4 are compared with. Written as the seed's
// endpoint would run them: SELECT * (transcripts included), a leading-wildcard LIKE over the
// three searchable columns, DATE(started_at), plain OFFSET, and an exact COUNT(*) for the total.

type Row = Record<string, unknown>

/** `LIKE '%x%'` over conversation_id, caller_number and callee_number, a page and COUNT(*). */
export async function seedSearch (knex: Knex, term: string, page: number, pageSize: number): Promise<{ rows: Row[], total: number }> {
  const like = `%${term}%`
  const where = (qb: Knex.QueryBuilder): Knex.QueryBuilder => qb.where((w) => {
    w.where('conversation_id', 'like', like).orWhere('caller_number', 'like', like).orWhere('callee_number', 'like', like)
  })
  const rows = await where(knex(CALLS_TABLE).select('*')).orderBy('started_at', 'desc').limit(pageSize).offset((page - 1) * pageSize) as Row[]
  const count = await where(knex(CALLS_TABLE).count({ total: '*' })).first() as Row | undefined
  return { rows, total: Number(count?.total ?? 0) }
}

/** `DATE(started_at) = ?`, a page and COUNT(*). */
export async function seedDate (knex: Knex, date: string, page: number, pageSize: number): Promise<{ rows: Row[], total: number }> {
  const rows = await knex(CALLS_TABLE).select('*').whereRaw('DATE(started_at) = ?', [date])
    .orderBy('started_at', 'desc').limit(pageSize).offset((page - 1) * pageSize) as Row[]
  const count = await knex(CALLS_TABLE).count({ total: '*' }).whereRaw('DATE(started_at) = ?', [date]).first() as Row | undefined
  return { rows, total: Number(count?.total ?? 0) }
}

/** `SELECT * ... ORDER BY started_at DESC LIMIT ? OFFSET ?` (the page alone, as the brief has it). */
export async function seedOffset (knex: Knex, page: number, pageSize: number): Promise<{ rows: Row[] }> {
  const rows = await knex(CALLS_TABLE).select('*').orderBy('started_at', 'desc').limit(pageSize).offset((page - 1) * pageSize) as Row[]
  return { rows }
}
