// Configuration is read once, validated as a whole, and then handed around typed. A bad value
// stops the process before it listens, with one line naming the variable and what is wrong.

export type NodeEnv = 'development' | 'production' | 'test'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface DatabaseConfig {
  client: 'sqlite' | 'mysql'
  /** SQLite: file path (or ':memory:'). MySQL: the URL as given. */
  url: string
  filename?: string
}

export interface Config {
  nodeEnv: NodeEnv
  port: number
  host: string
  logLevel: LogLevel
  database: DatabaseConfig
  elevenlabs: {
    apiKey?: string
    baseUrl: string
    agentId?: string
    webhookSecret?: string
    /** Per-request timeout for API calls made by syncs (the live head has API_TIMEOUT_MS). */
    requestTimeoutMs: number
    retryLimit: number
    retryBaseDelayMs: number
  }
  adminToken?: string
  apiToken?: string
  hybridApiLimit: number
  apiTimeoutMs: number
  headCacheTtlMs: number
  pollIntervalSeconds: number
  pollLookbackSeconds: number
  callsTimezone: string
  detailConcurrency: number
  webhookBodyLimitBytes: number
  emulatorPort: number
  emulatorCalls: number
  emulatorLiveIntervalSeconds: number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor (readonly variable: string, reason: string) {
    super(`${variable}: ${reason}`)
  }
}

type Env = Record<string, string | undefined>

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const NODE_ENVS: readonly NodeEnv[] = ['development', 'production', 'test']

export const DEFAULT_SQLITE_FILE = './data/elevenlabs-calls.sqlite'

function read (env: Env, name: string): string | undefined {
  const value = env[name]
  if (value === undefined) return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

function integer (env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function oneOf<T extends string> (env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`)
  }
  return raw as T
}

function httpUrl (env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got protocol "${url.protocol}"`)
  }
  return raw.replace(/\/+$/, '')
}

export function isValidTimeZone (zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

export function parseDatabaseUrl (raw: string | undefined): DatabaseConfig {
  if (raw === undefined) return { client: 'sqlite', url: DEFAULT_SQLITE_FILE, filename: DEFAULT_SQLITE_FILE }
  if (raw.startsWith('mysql://') || raw.startsWith('mariadb://')) {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid URL (expected mysql://user:pass@host:3306/db)')
    }
    if (url.hostname === '') throw new ConfigError('DATABASE_URL', 'has no host (expected mysql://user:pass@host:3306/db)')
    if (url.pathname.replace(/^\//, '') === '') {
      throw new ConfigError('DATABASE_URL', 'has no database name (expected mysql://user:pass@host:3306/db)')
    }
    return { client: 'mysql', url: raw }
  }
  if (raw === ':memory:' || raw === 'sqlite::memory:') return { client: 'sqlite', url: raw, filename: ':memory:' }
  if (raw.startsWith('sqlite:') || raw.startsWith('file:')) {
    const filename = raw.replace(/^(sqlite|file):(\/\/)?/, '')
    if (filename === '') throw new ConfigError('DATABASE_URL', 'has no file name (expected sqlite:./data/calls.sqlite)')
    return { client: 'sqlite', url: raw, filename }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new ConfigError('DATABASE_URL', 'must be mysql://user:pass@host:3306/db or a SQLite file path (sqlite:./file.sqlite)')
  }
  // A bare path is a SQLite file.
  return { client: 'sqlite', url: raw, filename: raw }
}

/** Redacts the password of a database URL, for logs and /health. */
export function describeDatabase (db: DatabaseConfig): string {
  if (db.client === 'sqlite') return `sqlite:${db.filename ?? db.url}`
  const url = new URL(db.url)
  if (url.password !== '') url.password = '***'
  return url.toString()
}

export function loadConfig (env: Env = process.env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', NODE_ENVS, 'development')
  const callsTimezone = read(env, 'CALLS_TIMEZONE') ?? 'UTC'
  if (!isValidTimeZone(callsTimezone)) {
    throw new ConfigError('CALLS_TIMEZONE', `unknown time zone "${callsTimezone}" (use an IANA name such as America/Bogota)`)
  }
  const host = read(env, 'HOST') ?? '127.0.0.1'

  const config: Config = {
    nodeEnv,
    port: integer(env, 'PORT', 3000, 0, 65535),
    host,
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    database: parseDatabaseUrl(read(env, 'DATABASE_URL')),
    elevenlabs: {
      apiKey: read(env, 'ELEVENLABS_API_KEY'),
      baseUrl: httpUrl(env, 'ELEVENLABS_BASE_URL', 'https://api.elevenlabs.io'),
      agentId: read(env, 'ELEVENLABS_AGENT_ID'),
      webhookSecret: read(env, 'ELEVENLABS_WEBHOOK_SECRET'),
      requestTimeoutMs: integer(env, 'ELEVENLABS_TIMEOUT_MS', 10_000, 100, 300_000),
      retryLimit: integer(env, 'ELEVENLABS_RETRY_LIMIT', 4, 0, 10),
      retryBaseDelayMs: integer(env, 'ELEVENLABS_RETRY_BASE_MS', 500, 1, 60_000)
    },
    adminToken: read(env, 'ADMIN_TOKEN'),
    apiToken: read(env, 'API_TOKEN'),
    hybridApiLimit: integer(env, 'HYBRID_API_LIMIT', 5, 0, 100),
    apiTimeoutMs: integer(env, 'API_TIMEOUT_MS', 1500, 1, 60_000),
    headCacheTtlMs: integer(env, 'HEAD_CACHE_TTL_MS', 5000, 0, 3_600_000),
    pollIntervalSeconds: integer(env, 'POLL_INTERVAL_SECONDS', 300, 0, 86_400),
    pollLookbackSeconds: integer(env, 'POLL_LOOKBACK_SECONDS', 3600, 0, 30 * 86_400),
    callsTimezone,
    detailConcurrency: integer(env, 'SYNC_DETAIL_CONCURRENCY', 4, 1, 32),
    webhookBodyLimitBytes: integer(env, 'WEBHOOK_BODY_LIMIT_MB', 50, 1, 1024) * 1024 * 1024,
    emulatorPort: integer(env, 'EMULATOR_PORT', 4010, 0, 65535),
    emulatorCalls: integer(env, 'EMULATOR_CALLS', 250, 0, 2_000_000),
    emulatorLiveIntervalSeconds: integer(env, 'EMULATOR_LIVE_INTERVAL_SECONDS', 60, 0, 86_400)
  }

  for (const name of ['ADMIN_TOKEN', 'API_TOKEN'] as const) {
    const value = read(env, name)
    if (value !== undefined && value.length < 16) {
      throw new ConfigError(name, 'must be at least 16 characters long')
    }
  }
  if (nodeEnv === 'production') {
    if (config.elevenlabs.apiKey === undefined) {
      throw new ConfigError('ELEVENLABS_API_KEY', 'is required when NODE_ENV=production (the emulator only runs outside production)')
    }
    if (config.adminToken === undefined) {
      throw new ConfigError('ADMIN_TOKEN', 'is required when NODE_ENV=production')
    }
  }
  return config
}
