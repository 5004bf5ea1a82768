// Times are stored as UTC text, 'YYYY-MM-DD HH:MM:SS.sss', in both dialects: it sorts as it
// compares, survives any server time zone, and reads back the same on SQLite and MariaDB.

export function toDbTime (date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '')
}

export function fromDbTime (value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value
  const iso = value.includes('T') ? value : value.replace(' ', 'T')
  return new Date(iso.endsWith('Z') ? iso : `${iso}Z`)
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/

/** True for a real calendar day written YYYY-MM-DD (2025-02-30 is not). */
export function isCalendarDate (value: string): boolean {
  const m = DATE_RE.exec(value)
  if (m === null) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
}

// Building an Intl.DateTimeFormat costs about 0.1 ms (a zone's rules are loaded each time), and
// a date-filtered page needs several day ranges: one formatter per zone, built once. Zones come
// from configuration (checked at start), so this holds a handful at most.
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor (zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit'
    })
    formatters.set(zone, f)
  }
  return f
}

/** Offset of `zone` from UTC, in minutes, at the instant `at`. */
function zoneOffsetMinutes (zone: string, at: Date): number {
  const parts = formatterFor(zone).formatToParts(at)
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value)
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000)
}

/** The UTC instant at which the local wall-clock midnight of `y-m-d` happens in `zone`. */
function localMidnightUtc (zone: string, y: number, m: number, d: number): Date {
  const guess = Date.UTC(y, m - 1, d)
  // Two passes settle the offset across a DST change at (or near) midnight.
  let instant = guess - zoneOffsetMinutes(zone, new Date(guess)) * 60_000
  instant = guess - zoneOffsetMinutes(zone, new Date(instant)) * 60_000
  return new Date(instant)
}

/**
 * The half-open UTC range [start, end) covering the calendar day `date` (YYYY-MM-DD) in `zone`.
 * Queries compare `started_at` against it so an index can serve them, never DATE(column).
 */
export function dayRangeUtc (date: string, zone: string): { start: Date, end: Date } {
  const m = DATE_RE.exec(date)
  if (m === null || !isCalendarDate(date)) throw new RangeError(`not a calendar date: ${date}`)
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const next = new Date(Date.UTC(y, mo - 1, d + 1))
  return {
    start: localMidnightUtc(zone, y, mo, d),
    end: localMidnightUtc(zone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate())
  }
}
