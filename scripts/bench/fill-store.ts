/**
 * Fills a store with realistic records fast, for the scale scenario: reports
 * spread over every force (the largest force taking a fifth, as London does),
 * each with its index entries written by the store's own putReportOps, one
 * small blob of random bytes standing in for the encrypted report text, and a
 * reporter record of realistic size, and the statistics the service would have
 * counted (issue 12): each report's history (received by channel, category and
 * urgency; closed with an outcome) and the counters, summed in memory and
 * written at the end (the same values the service's additions reach one
 * report at a time, at a fraction of the cost). Written straight into
 * LevelDB in large batches; the server must not be running on that DATA_DIR.
 *   tsx scripts/bench/fill-store.ts --data-dir DIR --reports 1000000
 */
import { randomBytes, randomInt } from 'node:crypto'
import { parseArgs } from 'node:util'
import { CATEGORIES } from '../../src/domain/categories.js'
import { FORCES } from '../../src/domain/forces.js'
import { chunkKey, newBlobId } from '../../src/store/blobs.js'
import type { BatchOp } from '../../src/store/kv.js'
import { openLevelKv } from '../../src/store/level-kv.js'
import { putReportOps, putReporterOp, type ReportRecord } from '../../src/store/records.js'
import { ensureReportIndexes } from '../../src/store/report-index.js'
import { counterKey, eventCounts, monthOf, type StatsEvent } from '../../src/store/stats.js'
import { OUTCOMES } from '../../src/domain/triage.js'

/** The force whose inbox the scenario reads: the largest. */
export const BUSIEST_FORCE = 'met'

/** What the generator wrote. */
export interface FillResult {
  readonly reports: number
  /** Ids of a few reports of BUSIEST_FORCE, for the report page. */
  readonly sampleIds: readonly string[]
  readonly seconds: number
}

const CATEGORY_IDS = Object.keys(CATEGORIES)
// Sizes of the real thing: an encrypted report text to one key, and a reporter's armored reply keys.
const REPORT_CIPHERTEXT_BYTES = 900
const REPLY_PUBLIC_KEY_CHARS = 640
const LOCKED_SECRET_KEY_CHARS = 940
const DAY_MS = 24 * 60 * 60 * 1000
const BATCH_REPORTS = 2000

function armored (kind: 'PUBLIC' | 'PRIVATE', chars: number): string {
  const body = randomBytes(Math.ceil(chars * 3 / 4)).toString('base64').slice(0, chars).replace(/(.{64})/g, '$1\n')
  return `-----BEGIN PGP ${kind} KEY BLOCK-----\n\n${body}\n-----END PGP ${kind} KEY BLOCK-----\n`
}

function pickForce (): string {
  // A fifth to the busiest force, the rest spread evenly.
  if (randomInt(5) === 0) return BUSIEST_FORCE
  return FORCES[randomInt(FORCES.length)]!.id
}

function oneReport (today: number): { report: ReportRecord; ops: BatchOp[]; history: readonly StatsEvent[] } {
  const id = randomBytes(12).toString('hex')
  const reporter = randomBytes(32).toString('hex')
  const blob = newBlobId()
  // Received over the last three years; older reports are mostly closed.
  const ageDays = randomInt(3 * 365)
  const received = new Date(today - ageDays * DAY_MS).toISOString().slice(0, 10)
  const status = ageDays > 90 ? (randomInt(10) === 0 ? 'assessing' : 'closed') : (['new', 'assessing', 'closed'] as const)[randomInt(3)]!
  const force = pickForce()
  const category = CATEGORY_IDS[randomInt(CATEGORY_IDS.length)]!
  // A third by the phone line, as in the pilot (1,988 calls to 890 online reports would be more).
  const channel = randomInt(3) === 0 ? 'phone' as const : 'online' as const
  const urgent = randomInt(10) === 0
  const history: StatsEvent[] = [{ e: 'received', m: monthOf(received), f: force, ch: channel, c: category, u: urgent }]
  // Closed up to 60 days after it came in, never after today; kept longer than any retention period would be is the operator's setting, not the generator's.
  const closed = status === 'closed' ? new Date(Math.min(today, Date.parse(received) + randomInt(61) * DAY_MS)).toISOString().slice(0, 10) : undefined
  const outcome = OUTCOMES[randomInt(OUTCOMES.length)]!
  if (closed !== undefined) history.push({ e: 'closed', m: monthOf(closed), f: force, o: outcome })
  const report: ReportRecord = {
    v: 1,
    id,
    force,
    category,
    channel,
    urgent,
    status,
    ...(closed === undefined ? {} : { outcome, closed }),
    received,
    reporter,
    items: [{ id: randomBytes(8).toString('hex'), kind: 'report', blob, size: REPORT_CIPHERTEXT_BYTES, received }],
    replies: [],
    stats: history,
  }
  const ops: BatchOp[] = [
    ...putReportOps(report),
    putReporterOp(reporter, { v: 1, replyPublicKey: armored('PUBLIC', REPLY_PUBLIC_KEY_CHARS), lockedReplySecretKey: armored('PRIVATE', LOCKED_SECRET_KEY_CHARS), reports: [id] }),
    { type: 'put', space: 'blobs', key: chunkKey(blob, 0), value: randomBytes(REPORT_CIPHERTEXT_BYTES) },
  ]
  return { report, ops, history }
}

/** Writes `reports` reports into the store under `dataDir`; `progress` hears every batch. */
export async function fillStore (dataDir: string, reports: number, progress: (written: number) => void = () => {}): Promise<FillResult> {
  const started = performance.now()
  const kv = await openLevelKv(dataDir)
  const sampleIds: string[] = []
  const counters = new Map<string, number>()
  const today = Date.parse(new Date().toISOString().slice(0, 10))
  try {
    // What a server does to a new store: mark its indexes as current (the reports below
    // are written with theirs), so the first start does not take it for an old store to index.
    await ensureReportIndexes(kv)
    // The next batch is built while the last one is written.
    let writing: Promise<void> = Promise.resolve()
    for (let written = 0; written < reports;) {
      const ops: BatchOp[] = []
      const count = Math.min(BATCH_REPORTS, reports - written)
      for (let i = 0; i < count; i++) {
        const { report, ops: reportOps, history } = oneReport(today)
        for (const op of reportOps) ops.push(op)
        for (const event of history) {
          for (const [unit, measure] of eventCounts(event)) {
            const key = counterKey(unit, event.m, measure)
            counters.set(key, (counters.get(key) ?? 0) + 1)
          }
        }
        if (report.force === BUSIEST_FORCE && sampleIds.length < 20) sampleIds.push(report.id)
      }
      await writing
      writing = kv.batch(ops)
      written += count
      progress(written)
    }
    await writing
    // The counters (tens of thousands: forces x months x measures), as plain values.
    let ops: BatchOp[] = []
    for (const [key, value] of counters) {
      ops.push({ type: 'put', space: 'stats', key, value: Buffer.from(String(value), 'utf8') })
      if (ops.length >= 5000) { await kv.batch(ops); ops = [] }
    }
    await kv.batch(ops)
  } finally {
    await kv.close()
  }
  return { reports, sampleIds, seconds: (performance.now() - started) / 1000 }
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, reports: { type: 'string', default: '1000000' } } })
  if (values['data-dir'] === undefined) throw new Error('--data-dir is required')
  const result = await fillStore(values['data-dir'], Number(values.reports), (n) => { if (n % 100_000 === 0) process.stderr.write(`${n} reports\n`) })
  process.stdout.write(`${result.reports} reports in ${result.seconds.toFixed(1)} s\n`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => { console.error(err); process.exit(1) })
}
