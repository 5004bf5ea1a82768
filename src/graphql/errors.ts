import type { FastifyBaseLogger } from 'fastify'
import { GraphQLError, type ExecutionResult, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql'
import type { MercuriusContext } from 'mercurius'

// What a client may see of an error. Errors this service raises on purpose carry a stable
// `extensions.code` and a message saying what to do; anything else (a database or programming
// error) reaches the client as a generic message and is logged here, without SQL literals.

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'SYNC_IN_PROGRESS'
  | 'SYNC_UNAVAILABLE'
  | 'API_UNAVAILABLE'

/**
 * An error meant for the client. Deliberately not a GraphQLError: graphql-js keeps the
 * extensions of a plain error it wraps (also when a scalar rejects a variable), and this class
 * is how the formatter tells intended errors from accidents.
 */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly extensions: Record<string, unknown>
  constructor (readonly code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message)
    this.extensions = { ...extra, code }
  }
}

export function badInput (message: string, extra: Record<string, unknown> = {}): ApiError {
  return new ApiError('BAD_USER_INPUT', message, extra)
}

export const INTERNAL_MESSAGE = 'Internal server error'

const SAFE_REQUEST_CODES: Record<string, string> = {
  MER_ERR_GQL_VALIDATION: 'GRAPHQL_VALIDATION_FAILED',
  MER_ERR_METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  MER_ERR_GQL_PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  MER_ERR_GQL_CSRF_PREVENTION: 'BAD_REQUEST',
  MER_ERR_GQL_QUERY_DEPTH: 'QUERY_TOO_DEEP'
}

/** Quoted literals and long digit runs (ids, phone numbers in SQL) are dropped from logs. */
export function redactLiterals (text: string): string {
  return text.replace(/'(?:[^'\\]|\\.)*'/g, "'?'").replace(/"(?:[^"\\]|\\.)*"/g, '"?"').replace(/\d{6,}/g, '?')
}

export function loggableError (err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: redactLiterals(String(err)) }
  const e = err as Error & { code?: unknown, errno?: unknown }
  return { type: e.name, code: e.code, errno: e.errno, message: redactLiterals(e.message), stack: e.stack === undefined ? undefined : redactLiterals(e.stack) }
}

function codeOf (error: { extensions?: Record<string, unknown> | undefined }): string | undefined {
  const code = error.extensions?.code
  return typeof code === 'string' ? code : undefined
}

function isClientFacing (err: unknown): err is ApiError | GraphQLError {
  return err instanceof ApiError || (err instanceof GraphQLError && codeOf(err) !== undefined)
}

/** An error of the request itself (parse, validation, variables, depth, method): no secrets there. */
function requestError (error: unknown, outerCode: string | undefined): GraphQLFormattedError {
  const e = error as { message?: unknown, locations?: GraphQLFormattedError['locations'], extensions?: Record<string, unknown>, code?: unknown }
  const message = typeof e.message === 'string' ? e.message : 'Bad request'
  let code = codeOf(e) ?? (typeof e.code === 'string' ? SAFE_REQUEST_CODES[e.code] : undefined)
  if (code === undefined) {
    if (message.startsWith('Syntax Error')) code = 'GRAPHQL_PARSE_FAILED'
    else if (message.startsWith('Variable "$')) code = 'BAD_USER_INPUT'
    else code = (outerCode !== undefined ? SAFE_REQUEST_CODES[outerCode] : undefined) ?? 'GRAPHQL_VALIDATION_FAILED'
  }
  const out: GraphQLFormattedError = { message, extensions: { ...e.extensions, code } }
  if (e.locations !== undefined) return { ...out, locations: e.locations }
  return out
}

function executionError (error: GraphQLError, log: FastifyBaseLogger): GraphQLFormattedError {
  const original = error.originalError
  const json = error.toJSON()
  if (original === undefined || original === null || original === error) {
    if (codeOf(error) !== undefined) return json
    // graphql-js's own request-level errors (no path: variables coerced by the JIT) are the
    // client's; with a path they are a resolver contract broken here.
    if (error.path === undefined) return { ...json, extensions: { code: 'BAD_USER_INPUT' } }
  } else if (isClientFacing(original)) {
    return { ...json, message: original.message, extensions: { ...original.extensions } }
  } else if (isRequestLevel(original)) {
    return requestError(original, undefined)
  }
  log.error({ err: loggableError(original ?? error), path: error.path }, 'GraphQL operation failed')
  const out: GraphQLFormattedError = { message: INTERNAL_MESSAGE, extensions: { code: 'INTERNAL_SERVER_ERROR' } }
  return json.path === undefined ? out : { ...out, path: json.path, ...(json.locations === undefined ? {} : { locations: json.locations }) }
}

/** Fastify's and mercurius' own 4xx errors (bad body, bad method): safe to show. */
function isRequestLevel (err: Error): boolean {
  const e = err as Error & { code?: unknown, statusCode?: unknown }
  return typeof e.code === 'string' && /^(FST_|MER_)/.test(e.code) && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500
}

type Execution = ExecutionResult & Required<Pick<ExecutionResult, 'errors'>> & { statusCode?: number }

export function errorFormatter (execution: Execution, context: MercuriusContext): { statusCode: number, response: FormattedExecutionResult } {
  const log = context.reply?.log ?? context.app.log
  const errors: GraphQLFormattedError[] = []
  for (const error of execution.errors) {
    const original = error.originalError as (Error & { errors?: unknown[], code?: string }) | undefined
    if (original !== undefined && Array.isArray(original.errors)) {
      for (const inner of original.errors) errors.push(requestError(inner, original.code))
      continue
    }
    errors.push(executionError(error, log))
  }
  // As mercurius does: 200 once there is data; otherwise a request error's own status (400 for
  // an invalid document, 405 for a mutation over GET).
  let statusCode = execution.data !== undefined && execution.data !== null ? 200 : (execution.statusCode ?? 200)
  if ((execution.data === undefined || execution.data === null) && execution.statusCode === undefined && execution.errors.length === 1) {
    const status = (execution.errors[0]?.originalError as { statusCode?: unknown } | undefined)?.statusCode
    statusCode = typeof status === 'number' ? status : 200
  }
  // A request refused before execution (no error has a path) is the client's fault, whichever
  // executor coerced its variables: 400, as mercurius answers for the interpreter.
  // A failure before execution that is ours (say, building the request context) is a 500.
  if (statusCode === 200 && (execution.data === undefined || execution.data === null) && errors.every((e) => e.path === undefined)) {
    statusCode = errors.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR') ? 500 : 400
  }
  return { statusCode, response: { data: execution.data ?? null, errors } }
}
