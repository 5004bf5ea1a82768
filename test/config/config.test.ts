import t from 'tap'
import { ConfigError, describeDatabase, loadConfig, parseDatabaseUrl } from '../../src/config.js'

t.test('defaults: SQLite file, port 3000, UTC, head of 5', async (t) => {
  const config = loadConfig({})
  t.same(config.database, { client: 'sqlite', url: './data/elevenlabs-calls.sqlite', filename: './data/elevenlabs-calls.sqlite' })
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.logLevel, 'info')
  t.equal(config.nodeEnv, 'development')
  t.equal(config.elevenlabs.baseUrl, 'https://api.elevenlabs.io')
  t.equal(config.hybridApiLimit, 5)
  t.equal(config.apiTimeoutMs, 1500)
  t.equal(config.headCacheTtlMs, 5000)
  t.equal(config.pollIntervalSeconds, 300)
  t.equal(config.callsTimezone, 'UTC')
})

t.test('reads and types every documented variable', async (t) => {
  const config = loadConfig({
    DATABASE_URL: 'mysql://app:s3cret@db.internal:3307/calls',
    PORT: '8080',
    HOST: '0.0.0.0',
    LOG_LEVEL: 'debug',
    NODE_ENV: 'test',
    ELEVENLABS_API_KEY: 'sk_live_key',
    ELEVENLABS_BASE_URL: 'http://127.0.0.1:4010/',
    ELEVENLABS_AGENT_ID: 'agent_1',
    ELEVENLABS_WEBHOOK_SECRET: 'whsec_x',
    ADMIN_TOKEN: 'admin-token-0123456789',
    API_TOKEN: 'read-token-0123456789',
    HYBRID_API_LIMIT: '3',
    API_TIMEOUT_MS: '900',
    HEAD_CACHE_TTL_MS: '2000',
    POLL_INTERVAL_SECONDS: '0',
    CALLS_TIMEZONE: 'America/Bogota'
  })
  t.same(config.database, { client: 'mysql', url: 'mysql://app:s3cret@db.internal:3307/calls' })
  t.equal(config.port, 8080)
  t.equal(config.host, '0.0.0.0')
  t.equal(config.logLevel, 'debug')
  t.equal(config.elevenlabs.baseUrl, 'http://127.0.0.1:4010', 'trailing slash dropped')
  t.equal(config.elevenlabs.agentId, 'agent_1')
  t.equal(config.adminToken, 'admin-token-0123456789')
  t.equal(config.apiToken, 'read-token-0123456789')
  t.equal(config.hybridApiLimit, 3)
  t.equal(config.apiTimeoutMs, 900)
  t.equal(config.headCacheTtlMs, 2000)
  t.equal(config.pollIntervalSeconds, 0)
  t.equal(config.callsTimezone, 'America/Bogota')
})

t.test('a bad value names the variable and what is wrong', async (t) => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ PORT: 'abc' }, 'PORT', /whole number.*"abc"/],
    [{ PORT: '70000' }, 'PORT', /between 0 and 65535/],
    [{ CALLS_TIMEZONE: 'Mars/Olympus' }, 'CALLS_TIMEZONE', /unknown time zone "Mars\/Olympus"/],
    [{ DATABASE_URL: 'mysql://' }, 'DATABASE_URL', /not a valid URL|no host/],
    [{ DATABASE_URL: 'mysql://root@localhost:3306' }, 'DATABASE_URL', /no database name/],
    [{ DATABASE_URL: 'postgres://x@y/z' }, 'DATABASE_URL', /must be mysql:\/\//],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of fatal, error/],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV', /one of development, production, test/],
    [{ ELEVENLABS_BASE_URL: 'ftp://x' }, 'ELEVENLABS_BASE_URL', /http\(s\) URL/],
    [{ HYBRID_API_LIMIT: '-1' }, 'HYBRID_API_LIMIT', /between 0 and 100/],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN', /at least 16 characters/],
    [{ NODE_ENV: 'production', ADMIN_TOKEN: 'admin-token-0123456789' }, 'ELEVENLABS_API_KEY', /required when NODE_ENV=production/],
    [{ NODE_ENV: 'production', ELEVENLABS_API_KEY: 'k' }, 'ADMIN_TOKEN', /required when NODE_ENV=production/]
  ]
  for (const [env, variable, message] of cases) {
    try {
      loadConfig(env)
      t.fail(`${JSON.stringify(env)} should be rejected`)
    } catch (err) {
      t.ok(err instanceof ConfigError, `${variable} error is a ConfigError`)
      t.equal((err as ConfigError).variable, variable)
      t.match((err as Error).message, new RegExp(`^${variable}: `))
      t.match((err as Error).message, message)
      t.notOk((err as Error).message.includes('\n'), 'one line')
    }
  }
})

t.test('secrets never appear in error messages or descriptions', async (t) => {
  t.equal(describeDatabase(parseDatabaseUrl('mysql://app:s3cret@db:3306/calls')), 'mysql://app:***@db:3306/calls')
  try {
    loadConfig({ ELEVENLABS_API_KEY: 'sk_very_secret', PORT: 'x' })
  } catch (err) {
    t.notMatch((err as Error).message, /sk_very_secret/)
  }
})

t.test('database URL forms', async (t) => {
  t.same(parseDatabaseUrl('sqlite:./x.sqlite'), { client: 'sqlite', url: 'sqlite:./x.sqlite', filename: './x.sqlite' })
  t.same(parseDatabaseUrl(':memory:'), { client: 'sqlite', url: ':memory:', filename: ':memory:' })
  t.same(parseDatabaseUrl('/var/lib/calls.db'), { client: 'sqlite', url: '/var/lib/calls.db', filename: '/var/lib/calls.db' })
  t.equal(parseDatabaseUrl('mariadb://root@127.0.0.1:3306/test').client, 'mysql')
})
