import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TestDb } from '../helpers/db.js'
import type { RunningEmulator } from '../helpers/emulator.js'

// Runs the sync CLI (or the seed's script) as a child process with only the environment a test gives it.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Result { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

export function env (db: TestDb | null, emu: RunningEmulator | null, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    // No .env from the working tree: only what the test sets.
    DOTENV_CONFIG_PATH: '/nonexistent/.env',
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ...(db === null ? {} : { DATABASE_URL: db.url }),
    ...(emu === null ? {} : { ELEVENLABS_API_KEY: emu.apiKey, ELEVENLABS_BASE_URL: emu.url, ELEVENLABS_RETRY_BASE_MS: '20', ELEVENLABS_RETRY_LIMIT: '1' }),
    ...extra
  }
}

export function run (command: string, args: string[], childEnv: Record<string, string>, opts: { onStderr?: (text: string, kill: () => void) => void } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const guard = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      opts.onStderr?.(stderr, () => { child.kill('SIGKILL') })
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(guard)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

export async function cli (args: string[], childEnv: Record<string, string>, opts: Parameters<typeof run>[3] = {}): Promise<Result> {
  return await run(process.execPath, ['--import', 'tsx', 'src/cli/sync.ts', ...args], childEnv, opts)
}
