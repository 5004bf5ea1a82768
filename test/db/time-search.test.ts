import t from 'tap'
import { dayRangeUtc, isCalendarDate, toDbTime, fromDbTime } from '../../src/db/time.js'
import { planSearch, prefixEnd, reversedDigits, searchMatches } from '../../src/db/search.js'

t.test('dayRangeUtc', async (t) => {
  const range = (d: string, z: string): string[] => { const r = dayRangeUtc(d, z); return [r.start.toISOString(), r.end.toISOString()] }
  t.same(range('2025-10-29', 'UTC'), ['2025-10-29T00:00:00.000Z', '2025-10-30T00:00:00.000Z'])
  t.same(range('2025-10-29', 'America/Bogota'), ['2025-10-29T05:00:00.000Z', '2025-10-30T05:00:00.000Z'])
  t.same(range('2025-12-31', 'Asia/Kolkata'), ['2025-12-30T18:30:00.000Z', '2025-12-31T18:30:00.000Z'])
  // DST: New York's 2025-03-09 has 23 hours, 2025-11-02 has 25.
  t.same(range('2025-03-09', 'America/New_York'), ['2025-03-09T05:00:00.000Z', '2025-03-10T04:00:00.000Z'])
  t.same(range('2025-11-02', 'America/New_York'), ['2025-11-02T04:00:00.000Z', '2025-11-03T05:00:00.000Z'])
  t.throws(() => dayRangeUtc('2025-02-30', 'UTC'))
})

t.test('isCalendarDate', async (t) => {
  for (const ok of ['2025-10-29', '2024-02-29', '2000-01-01']) t.ok(isCalendarDate(ok), ok)
  for (const bad of ['2025-02-29', '2025-13-01', '2025-1-01', '29-10-2025', '2025-10-29T00:00:00Z', '', 'today']) t.notOk(isCalendarDate(bad), bad)
})

t.test('db time text round-trips as UTC', async (t) => {
  const d = new Date('2025-10-29T23:30:05.123Z')
  t.equal(toDbTime(d), '2025-10-29 23:30:05.123')
  t.equal(fromDbTime(toDbTime(d))?.toISOString(), d.toISOString())
  t.equal(fromDbTime('2025-10-29 23:30:05')?.toISOString(), '2025-10-29T23:30:05.000Z')
  t.equal(fromDbTime(null), null)
})

t.test('search planning', async (t) => {
  t.same(planSearch('+57 300 123 4567'), { idPrefix: '+57 300 123 4567', digitsReversed: '765432100375' })
  t.same(planSearch('conv_abc'), { idPrefix: 'conv_abc' })
  t.same(planSearch('CA123'), { idPrefix: 'CA123' }, 'letters: an id, not a phone')
  t.equal(planSearch('   '), null)
  t.equal(planSearch(undefined), null)
  t.equal(reversedDigits('+57 (300) 123-4567'), '765432100375')
  t.equal(reversedDigits('anonymous'), null)
  t.equal(prefixEnd('7654'), '7655')
  t.equal(prefixEnd('conv_'), 'conv`')
  t.ok('conv_zzz' < prefixEnd('conv_'))
})

t.test('searchMatches mirrors the SQL rule', async (t) => {
  const call = { conversationId: 'conv_abc', callId: 'CA9', callerNumber: '+573001234567', calleeNumber: '+576076916019' }
  for (const term of ['4567', '+57 300 123 4567', '6019', 'conv_a', 'CA9', '', null]) t.ok(searchMatches(call, term), String(term))
  for (const term of ['onv_abc', '1234', 'CA_', '%']) t.notOk(searchMatches(call, term), String(term))
})
