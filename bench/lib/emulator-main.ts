import { buildEmulator } from '../../src/emulator/emulator.js'

// The emulator as a child process of the bench (its own event loop, like the real API is
// elsewhere): BENCH_EMULATOR_* say how many calls, what latency, which key and port. Its history
// ends now, so its newest calls are newer than every seeded one.

const env = process.env
const emulator = buildEmulator({
  apiKey: env.BENCH_EMULATOR_KEY,
  count: Number(env.BENCH_EMULATOR_CALLS ?? 250),
  seed: 11,
  now: Date.now(),
  latencyMs: Number(env.BENCH_EMULATOR_LATENCY_MS ?? 0)
})
await emulator.listen({ port: Number(env.BENCH_EMULATOR_PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`emulator listening at ${emulator.url ?? '?'} with ${emulator.state.size} calls\n`)

async function close (): Promise<void> {
  await emulator.close()
  process.exit(0)
}
process.once('SIGTERM', () => { void close() })
process.once('SIGINT', () => { void close() })
