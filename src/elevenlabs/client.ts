import { PassThrough } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import got, { type Response } from 'got'
import type { Config } from '../config.js'
import { ElevenLabsError, type ElevenLabsErrorCode } from './errors.js'
import type { Conversation, ConversationsPage, ElevenLabsClient, ListConversationsParams } from './types.js'

// The one HTTP client for ElevenLabs. Retries are done here rather than by got, so JSON calls
// and the audio stream share one policy and one error vocabulary. got's own errors carry the
// request options (headers, so the API key): they never leave this file, only ElevenLabsError
// with a message built here does.

export interface ClientLogger {
  warn: (obj: object, msg: string) => void
}

export interface ElevenLabsClientOptions {
  baseUrl: string
  apiKey: string
  /** Connect and response-headers timeout; also bounds a whole JSON request. */
  timeoutMs: number
  /** Retries after the first attempt (0 = none). */
  retryLimit: number
  retryBaseDelayMs: number
  /** Cap on one backoff delay; a longer Retry-After gives up at once (default 30 s). */
  maxRetryDelayMs?: number
  logger?: ClientLogger
}

export const MAX_PAGE_SIZE = 100

type AudioResult = Awaited<ReturnType<ElevenLabsClient['getAudio']>>

interface Failure {
  error: ElevenLabsError
  retryable: boolean
  retryAfterMs?: number
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET'])

export function clampPageSize (pageSize: number): number {
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(pageSize)))
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export function parseRetryAfter (value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined || raw.trim() === '') return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(raw)) return Math.round(Number(raw) * 1000)
  const at = Date.parse(raw)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The API's `detail`, short: a string, {status, message}, or FastAPI's [{loc, msg}]. */
function detailOf (body: unknown): string | undefined {
  if (!isObject(body)) return typeof body === 'string' && body.trim() !== '' && !body.trimStart().startsWith('<') ? body : undefined
  const detail = body.detail
  if (typeof detail === 'string') return detail
  if (isObject(detail)) return typeof detail.message === 'string' ? detail.message : typeof detail.status === 'string' ? detail.status : undefined
  if (Array.isArray(detail)) {
    return detail.filter(isObject).map((d) => {
      const loc = Array.isArray(d.loc) ? d.loc.filter((p) => p !== 'query').join('.') : ''
      return `${loc === '' ? '' : `${loc}: `}${typeof d.msg === 'string' ? d.msg : 'invalid'}`
    }).join('; ')
  }
  return undefined
}

function codeForStatus (status: number): ElevenLabsErrorCode {
  if (status === 404) return 'ELEVENLABS_NOT_FOUND'
  if (status === 401 || status === 403) return 'ELEVENLABS_UNAUTHORIZED'
  if (status === 429) return 'ELEVENLABS_RATE_LIMITED'
  if (status === 408) return 'ELEVENLABS_TIMEOUT'
  if (status >= 500) return 'ELEVENLABS_UPSTREAM'
  return 'ELEVENLABS_BAD_REQUEST'
}

function isRetryableStatus (status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}

/** The client options the configuration asks for (ELEVENLABS_* variables); needs an API key. */
export function clientOptionsFromConfig (config: Pick<Config, 'elevenlabs'>, logger?: ClientLogger): ElevenLabsClientOptions {
  const { apiKey, baseUrl, requestTimeoutMs, retryLimit, retryBaseDelayMs } = config.elevenlabs
  if (apiKey === undefined) throw new Error('ELEVENLABS_API_KEY is not set')
  return { baseUrl, apiKey, timeoutMs: requestTimeoutMs, retryLimit, retryBaseDelayMs, logger }
}

export function createElevenLabsClient (opts: ElevenLabsClientOptions): ElevenLabsClient {
  const maxDelay = opts.maxRetryDelayMs ?? 30_000
  const http = got.extend({
    prefixUrl: opts.baseUrl,
    headers: { 'xi-api-key': opts.apiKey, accept: 'application/json', 'user-agent': 'elevenlabs-calls' },
    responseType: 'json',
    timeout: { connect: opts.timeoutMs, response: opts.timeoutMs, socket: opts.timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false
  })

  /** Never lets the key through, whatever a server or a library puts in a message. */
  function redact (text: string): string {
    return opts.apiKey === '' ? text : text.split(opts.apiKey).join('[redacted]')
  }

  function fail (what: string, code: ElevenLabsErrorCode, text: string, statusCode?: number): ElevenLabsError {
    return new ElevenLabsError(code, redact(`ElevenLabs ${what} failed: ${text}`.slice(0, 500)), statusCode)
  }

  function httpFailure (what: string, status: number, headers: Record<string, string | string[] | undefined>, body: unknown): Failure {
    const detail = detailOf(body)
    const text = `HTTP ${status}${detail === undefined ? '' : `: ${detail}`}`
    return {
      error: fail(what, codeForStatus(status), text, status),
      retryable: isRetryableStatus(status),
      retryAfterMs: parseRetryAfter(headers['retry-after'])
    }
  }

  function thrownFailure (what: string, err: unknown): Failure {
    if (err instanceof ElevenLabsError) return { error: err, retryable: false }
    const e = err as { name?: string, code?: string, message?: string, response?: Response }
    if (e.name === 'ParseError') {
      const status = e.response?.statusCode
      if (status !== undefined && (status < 200 || status > 299)) return httpFailure(what, status, e.response?.headers ?? {}, undefined)
      return { error: fail(what, 'ELEVENLABS_INVALID_RESPONSE', 'the response body is not valid JSON', status), retryable: false }
    }
    if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT') {
      return { error: fail(what, 'ELEVENLABS_TIMEOUT', `no answer within ${opts.timeoutMs} ms`), retryable: true }
    }
    const code = e.code ?? 'unknown'
    return {
      error: fail(what, 'ELEVENLABS_NETWORK', `network error ${code}${NETWORK_CODES.has(code) ? '' : ` (${e.message ?? ''})`}`),
      retryable: true
    }
  }

  function backoff (attempt: number): number {
    const exponential = Math.min(maxDelay, opts.retryBaseDelayMs * 2 ** attempt)
    // Equal jitter: at least half the delay, so retries spread out but still back off.
    return Math.round(exponential / 2 + Math.random() * exponential / 2)
  }

  async function withRetries<T> (what: string, attempt: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      let failure: Failure
      try {
        return await attempt()
      } catch (err) {
        failure = (err as { failure?: Failure }).failure ?? thrownFailure(what, err)
      }
      if (!failure.retryable || n >= opts.retryLimit) throw failure.error
      // A Retry-After longer than we are willing to wait ends the attempts now.
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > maxDelay) throw failure.error
      const delayMs = failure.retryAfterMs ?? backoff(n)
      opts.logger?.warn({ request: what, attempt: n + 1, delayMs, code: failure.error.code, statusCode: failure.error.statusCode }, 'ElevenLabs request failed, retrying')
      await sleep(delayMs)
    }
  }

  function failureError (failure: Failure): Error & { failure: Failure } {
    return Object.assign(new Error(failure.error.message), { failure })
  }

  async function getJson (what: string, path: string, searchParams?: Record<string, string | number>): Promise<unknown> {
    return await withRetries(what, async () => {
      const response = await http.get(path, { searchParams, timeout: { request: opts.timeoutMs } }) as Response<unknown>
      if (response.statusCode < 200 || response.statusCode > 299) throw failureError(httpFailure(what, response.statusCode, response.headers, response.body))
      return response.body
    })
  }

  function conversationPath (id: string): string {
    return `v1/convai/conversations/${encodeURIComponent(id)}`
  }

  return {
    async listConversations (params: ListConversationsParams = {}): Promise<ConversationsPage> {
      const searchParams: Record<string, string | number> = {}
      if (params.cursor !== undefined && params.cursor !== null && params.cursor !== '') searchParams.cursor = params.cursor
      if (params.pageSize !== undefined && Number.isFinite(params.pageSize)) searchParams.page_size = clampPageSize(params.pageSize)
      if (params.startAfterUnix !== undefined) searchParams.call_start_after_unix = Math.floor(params.startAfterUnix)
      if (params.startBeforeUnix !== undefined) searchParams.call_start_before_unix = Math.floor(params.startBeforeUnix)
      if (params.agentId !== undefined && params.agentId !== '') searchParams.agent_id = params.agentId
      if (params.summaryMode !== undefined) searchParams.summary_mode = params.summaryMode
      const what = 'list conversations'
      const body = await getJson(what, 'v1/convai/conversations', searchParams)
      if (!isObject(body) || !Array.isArray(body.conversations) || !body.conversations.every((c) => isObject(c) && typeof c.conversation_id === 'string')) {
        throw fail(what, 'ELEVENLABS_INVALID_RESPONSE', 'the response is not a page of conversations')
      }
      return {
        conversations: body.conversations as ConversationsPage['conversations'],
        has_more: body.has_more === true,
        next_cursor: typeof body.next_cursor === 'string' && body.next_cursor !== '' ? body.next_cursor : null
      }
    },

    async getConversation (conversationId: string): Promise<Conversation> {
      const what = `get conversation ${conversationId}`
      const body = await getJson(what, conversationPath(conversationId))
      if (!isObject(body) || typeof body.conversation_id !== 'string') {
        throw fail(what, 'ELEVENLABS_INVALID_RESPONSE', 'the response is not a conversation')
      }
      return body as Conversation
    },

    async getAudio (conversationId: string): Promise<AudioResult> {
      const what = `get audio ${conversationId}`
      return await withRetries(what, async () => await new Promise<AudioResult>((resolve, reject) => {
        const source = http.stream(`${conversationPath(conversationId)}/audio`, { headers: { accept: 'audio/*' } })
        let out: PassThrough | undefined
        source.on('error', (err) => {
          // Before the status is known the attempt fails; after, the caller's stream does, with
          // an error that carries no request options.
          if (out === undefined) reject(err)
          else out.destroy(thrownFailure(what, err).error)
        })
        source.once('response', (response: Response) => {
          if (response.statusCode < 200 || response.statusCode > 299) {
            source.destroy()
            reject(failureError(httpFailure(what, response.statusCode, response.headers, undefined)))
            return
          }
          const stream = new PassThrough()
          out = stream
          // A caller that stops reading stops the download.
          stream.on('close', () => { if (!source.destroyed) source.destroy() })
          source.pipe(stream)
          const length = Number(response.headers['content-length'])
          resolve({
            stream,
            contentType: response.headers['content-type'] ?? 'audio/mpeg',
            contentLength: Number.isFinite(length) ? length : undefined
          })
        })
      }))
    }
  }
}
