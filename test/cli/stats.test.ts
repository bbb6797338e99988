/**
 * `candour stats …` as an operator runs it (issue 12), in this process with
 * DATA_DIR set, and once in a child process for the exit status:
 * the unsuppressed figures, the current month included, audited as `cli`;
 * `stats verify` failing on damaged counters and passing after `stats rebuild`.
 */
import test from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { utcDate } from '../../src/domain/dates.js'
import { addMonths } from '../../src/domain/statistics/periods.js'
import { openLevelKv } from '../../src/store/level-kv.js'
import { statsOps, type StatsEvent } from '../../src/store/stats.js'
import { program } from '../../src/cli/index.js'
import { isCandourError } from '../../src/errors.js'
import { auditLogOf, candour } from '../helpers/reviewer.js'

/** Runs the command line in this process; resolves with what it printed. */
async function run (args: readonly string[]): Promise<string> {
  const lines: string[] = []
  await program((line) => lines.push(line)).parseAsync(['node', 'candour', ...args])
  return lines.join('\n')
}

const month = utcDate().slice(0, 7)
const previous = addMonths(month, -1)

test('stats prints unsuppressed figures with the current month; verify and rebuild', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'candour-stats-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const kv = await openLevelKv(dataDir)
  const events: StatsEvent[] = [
    { e: 'received', m: month, f: 'kent', ch: 'online', c: 'bribery', u: true },
    { e: 'received', m: month, f: 'kent', ch: 'online', c: 'other', u: false },
    { e: 'received', m: previous, f: 'kent', ch: 'online', c: 'other', u: false },
    { e: 'closed', m: month, f: 'kent', o: 'intelligence' },
    { e: 'received', m: month, f: 'met', ch: 'online', c: 'other', u: false },
  ]
  await kv.batch(statsOps(events))
  await kv.close()
  process.env.DATA_DIR = dataDir

  const json = JSON.parse(await run(['stats', '--from', previous, '--to', month, '--force', 'kent', '--json'])) as { area: string; suppressed: boolean; figures: Record<string, Record<string, number>> }
  t.is(json.area, 'kent')
  t.false(json.suppressed)
  // Small numbers are shown as they are: this is the operator's view, not the public one.
  t.is(json.figures[month]!['received'], 2)
  t.is(json.figures[month]!['received-urgent'], 1)
  t.is(json.figures[month]!['closed-intelligence'], 1)
  t.is(json.figures[previous]!['received'], 1)
  t.is(json.figures['total']!['received'], 3)

  const table = (await run(['stats', '--from', month, '--to', month])).split('\n')
  t.is(table[1], `measure\t${month}\ttotal`)
  t.true(table.includes(`received\t3\t3`), 'national: kent and met')

  t.true(isCandourError(await t.throwsAsync(run(['stats', '--from', month, '--to', addMonths(month, 1)])), 'VALIDATION_FAILED'), 'no month after the current one')
  t.true(isCandourError(await t.throwsAsync(run(['stats', '--from', month, '--to', month, '--force', 'atlantis'])), 'FORCE_UNKNOWN'))
  t.true(isCandourError(await t.throwsAsync(run(['stats', '--from', month])), 'VALIDATION_FAILED'))

  // The reads are audited as the command line's, with the area asked for.
  const check = await openLevelKv(dataDir)
  const audit = (await auditLogOf(check)).filter((entry) => entry.action === 'statistics')
  t.deepEqual(audit.map((entry) => [entry.actor, entry.detail]), [['cli', 'kent'], ['cli', 'national']])
  // These counters were written without report records behind them: a recount disagrees.
  await check.close()
  const mismatch = await t.throwsAsync(candour(['stats', 'verify'], dataDir)) as unknown as { code: number; stdout: string; stderr: string }
  t.is(mismatch.code, 1)
  t.regex(mismatch.stderr, /STATS_MISMATCH/)
  t.regex(mismatch.stdout, /differ from the recount/)
  t.regex(await run(['stats', 'rebuild']), /statistics counters rebuilt: 0 counters/)
  t.regex(await run(['stats', 'verify']), /statistics counters match a recount: 0 counters/)
})
