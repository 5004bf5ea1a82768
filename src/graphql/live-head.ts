import type { FastifyBaseLogger } from 'fastify'
import type { CallRecord } from '../db/types.js'
import { describeError } from '../sync/errors.js'
import type { LiveHead } from '../sync/types.js'
import type { ApiStatus } from './generated.js'

export interface HeadRead { head: CallRecord[] | null, apiStatus: ApiStatus }

const TIMED_OUT = Symbol('timed out')

/**
 * The live head for one page, waited on for at most `timeoutMs`. A slow or failing API never
 * makes the page slow or fail: the page is then served from the database (degraded). A head
 * still in flight is left running: it fills the shared cache for the next request.
 */
export async function readHead (head: LiveHead | null, opts: { enabled: boolean, limit: number, timeoutMs: number, log: FastifyBaseLogger }): Promise<HeadRead> {
  if (head === null || !opts.enabled || opts.limit <= 0) return { head: null, apiStatus: 'disabled' }
  let timer: NodeJS.Timeout | undefined
  const pending = head.get()
  // Settles later when the wait gives up first; nobody else is listening then.
  pending.catch(() => {})
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => { timer = setTimeout(() => { resolve(TIMED_OUT) }, opts.timeoutMs) })
  try {
    const result = await Promise.race([pending, timeout])
    if (result === TIMED_OUT) {
      opts.log.warn({ timeoutMs: opts.timeoutMs }, 'live head not ready in time: page served from the database')
      return { head: null, apiStatus: 'degraded' }
    }
    return { head: result.slice(0, opts.limit), apiStatus: 'ok' }
  } catch (err) {
    opts.log.warn({ err: describeError(err) }, 'live head failed: page served from the database')
    return { head: null, apiStatus: 'degraded' }
  } finally {
    clearTimeout(timer)
  }
}
