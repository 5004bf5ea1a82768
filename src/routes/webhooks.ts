import type { Readable } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import {
  checkTimestamp, createSignatureHmac, parseSignatureHeader, SignatureError, SIGNATURE_HEADER, verifyDigests,
  type ParsedSignature
} from '../elevenlabs/signature.js'
import { readWebhookBody, tooLarge, type WebhookBody } from '../webhooks/body-reader.js'
import { WebhookError, type WebhookErrorBody } from '../webhooks/errors.js'
import { handleWebhook } from '../webhooks/handler.js'
import { createDeliveryWriter } from '../webhooks/writer.js'

export const WEBHOOK_PATH = '/webhooks/elevenlabs'

export interface WebhookRouteOptions {
  /** Clock for the signature's time window, in ms since the epoch (tests pin it). */
  now?: () => number
}

export type WebhookReplyBody =
  | { status: 'stored', type: string, conversation_id: string }
  | { status: 'ignored', type: string }

function configuredSecret (fastify: FastifyInstance): string | undefined {
  // The ElevenLabs plugin decides the secret (configured, or generated for the emulator); before
  // it exists, the configured one is all there is.
  const secret = fastify.hasDecorator('webhookSecret') ? fastify.webhookSecret : fastify.config.elevenlabs.webhookSecret
  return secret === undefined || secret === '' ? undefined : secret
}

/** A database error without the SQL text: knex inlines bindings there (numbers, transcripts). */
function dbErrorSummary (err: unknown): { code?: string, message: string } {
  const e = err as { code?: string, sqlMessage?: string, message?: string }
  const message = e.sqlMessage ?? (e.message ?? '').split(' - ').pop() ?? ''
  return { code: e.code, message: message.slice(0, 300) }
}

/**
 * POST /webhooks/elevenlabs. Encapsulated: its body parsing and limit apply to this route only.
 * Order of checks: secret configured (503), signature header and its time window (401, before
 * a byte of body is read), declared size (413), then the body streams through the HMAC and the
 * audio stripper, the digest is compared (401), the JSON read (400) and the call stored (503 if
 * the database fails; 200 only once it is committed).
 */
const webhookRoutes: FastifyPluginAsync<WebhookRouteOptions> = async (fastify, opts) => {
  const now = opts.now ?? Date.now
  const secret = configuredSecret(fastify)
  const limit = fastify.config.webhookBodyLimitBytes
  const writer = createDeliveryWriter(fastify.knex, { timeZone: fastify.config.callsTimezone })
  if (secret === undefined) {
    fastify.log.warn(`ELEVENLABS_WEBHOOK_SECRET is not set: ${WEBHOOK_PATH} answers 503 to every delivery until it is`)
  }

  const signatures = new WeakMap<FastifyRequest, ParsedSignature>()

  // Every body is read here as raw bytes, whatever its content type says: the signature covers
  // the bytes, and JSON.parse runs only on what is left once the audio is stripped.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', async (request: FastifyRequest, payload: NodeJS.ReadableStream) => {
    const signature = signatures.get(request)
    if (signature === undefined || secret === undefined) throw new Error('webhook body parsed before its signature header was checked')
    return await readWebhookBody(payload as Readable, createSignatureHmac(secret, signature.rawTimestamp), limit)
  })

  fastify.setErrorHandler((err: FastifyError | WebhookError, request, reply) => {
    let body: WebhookErrorBody
    let status: number
    if (err instanceof WebhookError) {
      status = err.statusCode
      body = { error: err.code, message: err.message }
      if (status === 503 && err.code === 'database_unavailable') {
        request.log.error({ db: dbErrorSummary(err.cause) }, 'webhook: delivery not stored, database unavailable')
      } else if (status === 503) {
        // Already logged once at startup.
      } else {
        request.log.warn({ reason: err.code, status }, `webhook rejected: ${err.message}`)
      }
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode
      body = { error: err.code ?? 'bad_request', message: err.message }
      request.log.warn({ reason: err.code, status }, `webhook rejected: ${err.message}`)
    } else {
      status = 500
      body = { error: 'internal_error', message: 'the delivery could not be handled' }
      request.log.error({ err }, 'webhook: unexpected error')
    }
    if (status === 413) reply.header('connection', 'close')
    reply.code(status).send(body)
  })

  fastify.post(WEBHOOK_PATH, {
    bodyLimit: limit,
    onRequest: async (request) => {
      if (secret === undefined) {
        throw new WebhookError(503, 'webhook_secret_not_configured', 'webhook secret is not configured (set ELEVENLABS_WEBHOOK_SECRET); deliveries cannot be verified')
      }
      let signature: ParsedSignature
      try {
        signature = parseSignatureHeader(request.headers[SIGNATURE_HEADER])
        checkTimestamp(signature.timestamp, Math.floor(now() / 1000))
      } catch (err) {
        if (err instanceof SignatureError) throw new WebhookError(401, err.reason, err.message)
        throw err
      }
      const declared = Number(request.headers['content-length'])
      if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit)
      signatures.set(request, signature)
      // Always through the parser above, also with no content type or one Fastify would refuse.
      request.headers['content-type'] = 'application/octet-stream'
    }
  }, async (request, reply): Promise<WebhookReplyBody> => {
    const body = request.body as WebhookBody | undefined
    const signature = signatures.get(request)
    if (body === undefined || signature === undefined) throw new Error('webhook body was not read')
    try {
      verifyDigests(body.digest, signature.digests)
    } catch (err) {
      if (err instanceof SignatureError) throw new WebhookError(401, err.reason, err.message)
      throw err
    }
    const outcome = await handleWebhook(writer, body.json, { audioBytes: body.audioBytes })
    reply.code(200)
    if (outcome.status === 'ignored') {
      request.log.debug({ type: outcome.type }, 'webhook: unknown event type ignored')
      return { status: 'ignored', type: outcome.type }
    }
    request.log.debug({ type: outcome.type, conversationId: outcome.conversationId, bytes: body.bytes, audioBytes: body.audioBytes }, 'webhook: stored')
    return { status: 'stored', type: outcome.type, conversation_id: outcome.conversationId }
  })
}

export default webhookRoutes
