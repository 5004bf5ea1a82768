// A small seeded PRNG and the helpers the data generator needs. Each call gets its own stream
// seeded from (seed, index), so any call can be regenerated alone, in any order.

/** mulberry32: tiny, fast, and good enough for fake data. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** murmur3's finaliser: a bijection on 32-bit integers, so it can be undone (unmix32). */
export function mix32 (value: number): number {
  let h = value >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

export function unmix32 (value: number): number {
  let h = value >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x7ed1b41d)
  h ^= (h >>> 13) ^ (h >>> 26)
  h = Math.imul(h, 0xa5cb9243)
  h ^= h >>> 16
  return h >>> 0
}

export function hex32 (value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0')
}

export class Random {
  readonly next: () => number
  constructor (seed: number) { this.next = prng(seed) }

  /** Integer in [min, max]. */
  int (min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance (p: number): boolean {
    return this.next() < p
  }

  pick<T> (items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }

  /** Picks by weight: [[value, weight], ...]. */
  weighted<T> (items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0)
    let r = this.next() * total
    for (const [value, weight] of items) {
      r -= weight
      if (r < 0) return value
    }
    const last = items[items.length - 1]
    if (last === undefined) throw new Error('weighted pick from an empty list')
    return last[0]
  }

  digits (n: number): string {
    let out = ''
    for (let i = 0; i < n; i++) out += String(this.int(0, 9))
    return out
  }

  hex (n: number): string {
    let out = ''
    while (out.length < n) out += hex32(Math.floor(this.next() * 4294967296))
    return out.slice(0, n)
  }
}
