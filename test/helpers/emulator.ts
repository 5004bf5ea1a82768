import { buildEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export interface RunningEmulator {
  /** Base URL, e.g. http://127.0.0.1:41234 (use as ELEVENLABS_BASE_URL). */
  url: string
  apiKey: string
  /** Webhook signing secret (use as ELEVENLABS_WEBHOOK_SECRET). */
  webhookSecret: string
  emulator: Emulator
}

/** Fixed anchor for seeded data, so a test sees the same calls on every run. */
export const EMULATOR_NOW = new Date('2025-10-30T15:00:00Z')

/**
 * A real ElevenLabs stand-in over HTTP on 127.0.0.1 (ephemeral port), closed on teardown.
 * Defaults: 50 calls, seed 1, anchored at EMULATOR_NOW.
 */
export async function startEmulator (t: Teardown, opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = buildEmulator({ count: 50, seed: 1, now: EMULATOR_NOW, webhookSecret: 'whsec_test_emulator_secret', ...opts })
  const url = await emulator.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await emulator.close() })
  return { url, apiKey: emulator.apiKey, webhookSecret: emulator.webhooks.secret, emulator }
}

/** Environment for buildTestApp(t, env) that points the app at this emulator, with quick retries. */
export function emulatorEnv (emu: RunningEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ELEVENLABS_API_KEY: emu.apiKey,
    ELEVENLABS_BASE_URL: emu.url,
    ELEVENLABS_WEBHOOK_SECRET: emu.webhookSecret,
    ELEVENLABS_RETRY_BASE_MS: '20',
    ELEVENLABS_RETRY_LIMIT: '3',
    ELEVENLABS_TIMEOUT_MS: '2000',
    ...extra
  }
}
