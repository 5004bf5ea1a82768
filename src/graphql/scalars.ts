import { GraphQLScalarType, Kind, valueFromASTUntyped, type ValueNode } from 'graphql'
import { isCalendarDate } from '../db/time.js'
import { badInput } from './errors.js'

function toDate (value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value)
    return Number.isNaN(date.getTime()) ? null : date
  }
  return null
}

function parseDateTime (value: unknown): Date {
  const date = typeof value === 'string' ? toDate(value) : null
  if (date === null) throw badInput(`DateTime must be an ISO-8601 string such as 2025-10-29T14:30:00Z, got ${JSON.stringify(value)}`)
  return date
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant, as ISO-8601 in UTC.',
  serialize (value) {
    const date = toDate(value)
    if (date === null) throw new TypeError('DateTime cannot represent an invalid date')
    return date.toISOString()
  },
  parseValue: parseDateTime,
  parseLiteral (ast) {
    return parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined)
  }
})

function calendarDate (value: unknown): string {
  if (typeof value !== 'string' || !isCalendarDate(value)) {
    throw badInput(`date must be a real calendar day written YYYY-MM-DD (for example 2025-10-29), got ${JSON.stringify(value)}`)
  }
  return value
}

export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar day, YYYY-MM-DD.',
  serialize: calendarDate,
  parseValue: calendarDate,
  parseLiteral (ast) {
    return calendarDate(ast.kind === Kind.STRING ? ast.value : undefined)
  }
})

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast: ValueNode, variables) => valueFromASTUntyped(ast, variables)
})
