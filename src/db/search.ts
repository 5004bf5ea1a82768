// Search turns what a user typed into index ranges, never a leading-wildcard LIKE:
// - phone numbers are matched on their digits, stored reversed, so "ends with 4567" becomes the
//   prefix range "7654" on an index; formatting (+, spaces, dashes, parentheses) is ignored;
// - conversation and call ids match exactly or by prefix, as a range on their (binary) index.
// Ranges instead of LIKE also make % and _ plain characters without any escaping.

export const MAX_SEARCH_LENGTH = 100

const PHONE_LIKE = /^[\d\s+().\-/]+$/

export interface SearchPlan {
  /** The term as typed (trimmed): matched as an id prefix. */
  idPrefix: string
  /** Reversed digits, when the term reads like (part of) a phone number. */
  digitsReversed?: string
}

export function digitsOf (phone: string | null | undefined): string | null {
  if (phone === null || phone === undefined) return null
  const digits = phone.replace(/\D/g, '')
  return digits === '' ? null : digits
}

export function reversedDigits (phone: string | null | undefined): string | null {
  const digits = digitsOf(phone)
  return digits === null ? null : [...digits].reverse().join('')
}

export function planSearch (term: string | null | undefined): SearchPlan | null {
  if (term === null || term === undefined) return null
  const trimmed = term.trim()
  if (trimmed === '') return null
  const plan: SearchPlan = { idPrefix: trimmed }
  if (PHONE_LIKE.test(trimmed)) {
    const rev = reversedDigits(trimmed)
    if (rev !== null) plan.digitsReversed = rev
  }
  return plan
}

/**
 * The smallest string greater than every string starting with `prefix` (for a byte-wise or
 * code-point collation): [prefix, prefixEnd(prefix)) is exactly "starts with prefix".
 */
export function prefixEnd (prefix: string): string {
  const points = [...prefix]
  while (points.length > 0) {
    const last = points.pop() as string
    const code = last.codePointAt(0) as number
    if (code < 0x10ffff) {
      let next = code + 1
      if (next >= 0xd800 && next <= 0xdfff) next = 0xe000
      return points.join('') + String.fromCodePoint(next)
    }
  }
  return '\u{10ffff}'.repeat(prefix.length + 1)
}

/**
 * The same search rule as the SQL, for calls held in memory (the live head): an id prefix, or
 * phone digits that end the caller's or callee's number.
 */
export function searchMatches (call: { conversationId: string, callId?: string | null, callerNumber?: string | null, calleeNumber?: string | null }, term: string | null | undefined): boolean {
  const plan = planSearch(term)
  if (plan === null) return true
  if (call.conversationId.startsWith(plan.idPrefix)) return true
  if (call.callId != null && call.callId.startsWith(plan.idPrefix)) return true
  if (plan.digitsReversed === undefined) return false
  const digits = plan.digitsReversed
  return [call.callerNumber, call.calleeNumber].some((n) => reversedDigits(n)?.startsWith(digits) === true)
}
