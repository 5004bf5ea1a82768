import t from 'tap'
import { DEFAULT_LIMIT, parseSyncArgs } from '../../src/cli/sync-args.js'
import { createProgress } from '../../src/cli/progress.js'

t.test('what each command line means', async (t) => {
  t.same(parseSyncArgs(['calls', '500']), { mode: 'calls', limit: 500 })
  t.same(parseSyncArgs(['calls']), { mode: 'calls', limit: DEFAULT_LIMIT })
  t.same(parseSyncArgs(['initial', '100']), { mode: 'initial', limit: 100 })
  t.same(parseSyncArgs(['initial', ' 7 ']), { mode: 'initial', limit: 7 })
  t.same(parseSyncArgs(['initial']), { mode: 'initial', limit: 100 })
  t.same(parseSyncArgs(['all']), { mode: 'all' })
  t.same(parseSyncArgs(['calls', '1000000']), { mode: 'calls', limit: 1_000_000 })
})

t.test('bad arguments say what is wrong', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['calls', 'abc'], /whole number from 1 to 1000000, got "abc"/],
    [['calls', '0'], /from 1 to 1000000, got 0/],
    [['calls', '-5'], /whole number .*got "-5"/],
    [['calls', '1.5'], /whole number .*got "1.5"/],
    [['calls', '1e3'], /whole number .*got "1e3"/],
    [['calls', '10', '20'], /one number, got 2 arguments/],
    [['calls', '1000001'], /from 1 to 1000000, got 1000001/],
    [['all', '5'], /sync:all takes no arguments/],
    [['sideways'], /unknown sync mode "sideways"/],
    [[], /unknown sync mode ""/]
  ]
  for (const [argv, message] of cases) {
    t.throws(() => parseSyncArgs(argv), { name: 'UsageError', message }, argv.join(' '))
  }
})

function fakeStream (tty: boolean): NodeJS.WriteStream & { text: string } {
  const stream = { isTTY: tty, text: '', write (chunk: string) { stream.text += chunk; return true } }
  return stream as unknown as NodeJS.WriteStream & { text: string }
}

t.test('progress: a bar redrawn in place on a TTY, plain lines elsewhere', async (t) => {
  const tty = fakeStream(true)
  const bar = createProgress(tty, 'sync')
  bar.update({ processed: 100, limit: 400, synced: 100, failed: 0, pages: 1 })
  bar.note('warn: something')
  bar.update({ processed: 400, limit: 400, synced: 399, failed: 1, pages: 4 })
  bar.done()
  t.match(tty.text, /\r\x1b\[2Ksync \[#{8}-{22}\] 25% 100\/400 calls, 1 page, 0 failed/)
  t.match(tty.text, /\r\x1b\[2Kwarn: something\n/, 'a note clears the bar first')
  t.match(tty.text, /\[#{30}\] 100% 400\/400 calls, 4 pages, 1 failed\n$/)

  const plain = fakeStream(false)
  const lines = createProgress(plain, 'backfill')
  lines.update({ processed: 100, limit: null, synced: 100, failed: 0, pages: 1 })
  lines.update({ processed: 200, limit: null, synced: 200, failed: 0, pages: 2 })
  lines.done()
  t.equal(plain.text, 'backfill: page 1, 100 calls, 1 page, 0 failed\nbackfill: page 2, 200 calls, 2 pages, 0 failed\n')
})
