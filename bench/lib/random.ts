// A small seeded PRNG, so every seeding of a given size produces the same dataset and a search
// term picked from it finds the same rows on every run and on both databases.

export interface Rng {
  next: () => number
  int: (min: number, maxExclusive: number) => number
  pick: <T>(items: readonly T[]) => T
  weighted: <T>(items: ReadonlyArray<readonly [T, number]>) => T
  chance: (p: number) => boolean
  /** Log-normal sample: median `median`, spread `sigma` (natural log units). */
  logNormal: (median: number, sigma: number) => number
  chars: (alphabet: string, length: number) => string
}

export function createRng (seed: number): Rng {
  let state = seed >>> 0
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const rng: Rng = {
    next,
    int: (min, maxExclusive) => min + Math.floor(next() * (maxExclusive - min)),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    weighted: (items) => {
      const total = items.reduce((n, [, w]) => n + w, 0)
      let r = next() * total
      for (const [item, w] of items) {
        r -= w
        if (r < 0) return item
      }
      return (items[items.length - 1] as readonly [unknown, number])[0] as (typeof items)[number][0]
    },
    chance: (p) => next() < p,
    logNormal: (median, sigma) => {
      // Box-Muller
      const u = Math.max(next(), 1e-12)
      const v = next()
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
      return median * Math.exp(sigma * z)
    },
    chars: (alphabet, length) => {
      let out = ''
      for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)] as string
      return out
    }
  }
  return rng
}
