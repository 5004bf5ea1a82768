import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'

// Child processes of the bench (the server under test, the emulator, the reference server),
// each on a loopback port, its output kept in bench/.tmp/logs (never echoed: it is the
// service's log), stopped by pid when the bench ends, and its memory sampled from /proc.

export const LOG_DIR = resolve('bench/.tmp/logs')

export async function freePort (): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => { typeof address === 'object' && address !== null ? resolvePort(address.port) : reject(new Error('no port')) })
    })
  })
}

export interface Memory { rssMb: number, hwmMb: number }

/** VmRSS and VmHWM (peak RSS) of a process, from /proc; null once it is gone. */
export function readMemory (pid: number): Memory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 }
  } catch {
    return null
  }
}

export class Child {
  readonly logFile: string
  /** Settles with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
  private sampler: NodeJS.Timeout | null = null
  /** Highest VmRSS seen by the sampler, and the process's own peak (VmHWM) at the last sample. */
  peakRssMb = 0
  hwmMb = 0

  constructor (readonly name: string, readonly proc: ChildProcess) {
    mkdirSync(LOG_DIR, { recursive: true })
    this.logFile = resolve(LOG_DIR, `${name}.log`)
    const log = createWriteStream(this.logFile)
    proc.stdout?.pipe(log)
    proc.stderr?.pipe(log)
    this.exited = new Promise((resolveExit) => { proc.once('exit', (code) => { resolveExit(code) }) })
  }

  get pid (): number {
    return this.proc.pid as number
  }

  get running (): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null
  }

  /** Samples the memory every `ms` until stopped. */
  sampleMemory (ms = 100): void {
    this.sampler ??= setInterval(() => { this.sample() }, ms)
    this.sampler.unref()
  }

  sample (): Memory | null {
    const m = readMemory(this.pid)
    if (m !== null) {
      this.peakRssMb = Math.max(this.peakRssMb, m.rssMb)
      this.hwmMb = Math.max(this.hwmMb, m.hwmMb)
    }
    return m
  }

  /** The last lines of its log, for an error message. */
  tail (lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
    } catch {
      return ''
    }
  }

  async stop (): Promise<void> {
    if (this.sampler !== null) clearInterval(this.sampler)
    this.sampler = null
    if (!this.running) return
    this.proc.kill('SIGTERM')
    const timer = setTimeout(() => { if (this.running) this.proc.kill('SIGKILL') }, 10_000)
    await this.exited
    clearTimeout(timer)
  }
}

const running = new Set<Child>()

/**
 * Runs an entry point with node: a .ts one through the tsx loader (in the same process, so its
 * pid is the one to sample), a .js one as is.
 */
export function startTs (name: string, entry: string, env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []): Child {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : []
  const proc = spawn(process.execPath, [...nodeArgs, ...loader, entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const child = new Child(name, proc)
  running.add(child)
  proc.once('exit', () => { running.delete(child) })
  return child
}

export async function stopAll (): Promise<void> {
  await Promise.all([...running].map(async (c) => { await c.stop() }))
}

/** Polls `url` until it answers 2xx, the child dies, or the timeout passes. */
export async function waitReady (child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (!child.running) throw new Error(`${child.name} exited before it was ready:\n${child.tail()}`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      await res.arrayBuffer()
      if (res.ok) return
      last = `status ${res.status}`
    } catch (err) {
      last = (err as Error).message
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${child.name} not ready at ${url} after ${timeoutMs} ms (${last}):\n${child.tail()}`)
}
