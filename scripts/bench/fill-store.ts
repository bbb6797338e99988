/**
 * Fills a store with realistic records fast, for the scale scenario: reports
 * spread over every force (the largest force taking a fifth, as London does),
 * each with its index entries written by the store's own putReportOps, one
 * small blob of random bytes standing in for the encrypted report text, and a
 * reporter record of realistic size. Written straight into LevelDB in large
 * batches; the server must not be running on that DATA_DIR.
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

function oneReport (today: number): { report: ReportRecord; ops: BatchOp[] } {
  const id = randomBytes(12).toString('hex')
  const reporter = randomBytes(32).toString('hex')
  const blob = newBlobId()
  // Received over the last three years; older reports are mostly closed.
  const ageDays = randomInt(3 * 365)
  const received = new Date(today - ageDays * DAY_MS).toISOString().slice(0, 10)
  const status = ageDays > 90 ? (randomInt(10) === 0 ? 'assessing' : 'closed') : (['new', 'assessing', 'closed'] as const)[randomInt(3)]!
  const report: ReportRecord = {
    v: 1,
    id,
    force: pickForce(),
    category: CATEGORY_IDS[randomInt(CATEGORY_IDS.length)]!,
    channel: 'online',
    urgent: randomInt(10) === 0,
    status,
    ...(status === 'closed' ? { outcome: 'no-further-action' as const } : {}),
    received,
    reporter,
    items: [{ id: randomBytes(8).toString('hex'), kind: 'report', blob, size: REPORT_CIPHERTEXT_BYTES, received }],
    replies: [],
  }
  const ops: BatchOp[] = [
    ...putReportOps(report),
    putReporterOp(reporter, { v: 1, replyPublicKey: armored('PUBLIC', REPLY_PUBLIC_KEY_CHARS), lockedReplySecretKey: armored('PRIVATE', LOCKED_SECRET_KEY_CHARS), reports: [id] }),
    { type: 'put', space: 'blobs', key: chunkKey(blob, 0), value: randomBytes(REPORT_CIPHERTEXT_BYTES) },
  ]
  return { report, ops }
}

/** Writes `reports` reports into the store under `dataDir`; `progress` hears every batch. */
export async function fillStore (dataDir: string, reports: number, progress: (written: number) => void = () => {}): Promise<FillResult> {
  const started = performance.now()
  const kv = await openLevelKv(dataDir)
  const sampleIds: string[] = []
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
        const { report, ops: reportOps } = oneReport(today)
        for (const op of reportOps) ops.push(op)
        if (report.force === BUSIEST_FORCE && sampleIds.length < 20) sampleIds.push(report.id)
      }
      await writing
      writing = kv.batch(ops)
      written += count
      progress(written)
    }
    await writing
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
