import { Agent, request } from 'node:http'
import { summarise, type LoadResult } from './load.js'

// An open-loop sender at a steady rate: request i leaves at i / rate seconds, whatever the
// earlier ones are doing, the way deliveries from an outside service arrive. autocannon's rate
// limit cannot do this: each connection sends its quota for the second in a burst when the
// second starts, so 200/s arrives as 200 at once every second. Latency counts from the moment
// a request was due, so a sender that falls behind does not hide a slow server.

export interface PacedSpec {
  url: string
  rate: number
  seconds: number
  /** Body and headers of request i. */
  request: (i: number) => { body: string | Buffer, headers: Record<string, string> }
  timeoutMs?: number
  /** Keep-alive connections to reuse (a warm-up's), else a fresh pool closed at the end. */
  agent?: Agent
}

export async function pacedPost (spec: PacedSpec): Promise<LoadResult & { sent: number }> {
  const agent = spec.agent ?? new Agent({ keepAlive: true, maxSockets: 1024 })
  const url = new URL(spec.url)
  const total = Math.round(spec.rate * spec.seconds)
  const times: number[] = []
  const statusCodes: Record<string, number> = {}
  let errors = 0
  let timeouts = 0
  let sent = 0
  const inflight: Array<Promise<void>> = []
  const start = process.hrtime.bigint()
  const elapsedMs = (): number => Number(process.hrtime.bigint() - start) / 1e6

  const send = (i: number, dueMs: number): Promise<void> => new Promise((resolve) => {
    const { body, headers } = spec.request(i)
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume()
      res.on('end', () => {
        const code = res.statusCode ?? 0
        statusCodes[code] = (statusCodes[code] ?? 0) + 1
        if (code >= 200 && code < 300) times.push(elapsedMs() - dueMs)
        resolve()
      })
    })
    req.setTimeout(spec.timeoutMs ?? 30_000, () => {
      timeouts++
      req.destroy(new Error('timeout'))
    })
    req.on('error', () => {
      errors++
      resolve()
    })
    req.end(body)
  })

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = elapsedMs()
      while (sent < total && (sent * 1000) / spec.rate <= now) {
        inflight.push(send(sent, (sent * 1000) / spec.rate))
        sent++
      }
      if (sent >= total) resolve()
      else setTimeout(tick, 1)
    }
    tick()
  })
  await Promise.all(inflight)
  const seconds = elapsedMs() / 1000
  if (spec.agent === undefined) agent.destroy()
  return { ...summarise(times, statusCodes, errors, timeouts, seconds, seconds), sent }
}
