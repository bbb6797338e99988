/**
 * Retention (issue 14): a report closed longer than the retention period
 * (CANDOUR_RETAIN_CLOSED_DAYS) is deleted with every item, every reply (both
 * copies), its index entries and every reviewer's last look at it; a reporter
 * left with no report is deleted too. Statistics count what happened, not
 * what is kept: what the report counted moves into the retired sums, as on
 * deletion. The server's daily timer and
 * `candour purge` both run this one sweep, which writes one audit entry with
 * counts only, then compacts the key ranges that held what it deleted so the
 * ciphertext leaves LevelDB's files (see store/erase.ts for why before and
 * after).
 *
 * A report closed before closing dates were recorded has none: the first
 * sweep stamps it with that day's date, so it is kept a full period from then
 * rather than deleted at once.
 */
import { CandourError, isCandourError } from '../errors.js'
import { blobRange, compactRanges, keyRange, type SpaceRange } from '../store/erase.js'
import { discardBlobs } from '../store/blobs.js'
import type { Expectation, Kv } from '../store/kv.js'
import { modifyReport, putReporterOp, type ReporterRecord, type ReportRecord } from '../store/records.js'
import { reportIndexKeys } from '../store/report-index.js'
import { appendAudit } from './audit.js'
import { utcDate } from './dates.js'
import { reportBlobs, reportRemovalOps } from './deletion.js'
import { forgetLateLooks } from './last-looked.js'

/** The retention period when none is configured, in days. */
export const DEFAULT_RETAIN_CLOSED_DAYS = 365

const DAY_MS = 24 * 60 * 60 * 1000
const EMPTY = new Uint8Array(0)
const MAX_ATTEMPTS = 20
const decoder = new TextDecoder()

/** What a sweep is told. */
export interface SweepOptions {
  readonly retainClosedDays: number
  /** The clock (tests inject it); only its UTC date is used. */
  readonly now?: Date
  /** Count what would go, delete nothing, write nothing. */
  readonly dryRun?: boolean
  /** Who runs it, for the audit entry: 'system' for the server's timer, 'cli' for the command line. */
  readonly actor: string
}

/** What a sweep did (or, dry, would do). */
export interface SweepResult {
  readonly reports: number
  readonly reporters: number
  /** Encrypted items and reply copies deleted. */
  readonly blobs: number
  /** Closed reports without a closing date, stamped with today's. */
  readonly stamped: number
}

/** The last UTC date on which a report closed then is still kept. */
export function lastKeptClosingDate (retainClosedDays: number, now: Date = new Date()): string {
  return utcDate(new Date(Date.parse(`${utcDate(now)}T00:00:00Z`) - retainClosedDays * DAY_MS))
}

/** Whether a report is past the retention period: closed, and closed before the last kept date. */
export function isExpired (report: Pick<ReportRecord, 'status' | 'closed'>, lastKept: string): boolean {
  return report.status === 'closed' && report.closed !== undefined && report.closed < lastKept
}

/** Runs one retention sweep. */
export async function sweepRetention (kv: Kv, options: SweepOptions): Promise<SweepResult> {
  if (!Number.isSafeInteger(options.retainClosedDays) || options.retainClosedDays < 1) throw new TypeError('bad retention period')
  const now = options.now ?? new Date()
  const lastKept = lastKeptClosingDate(options.retainClosedDays, now)
  const expired: string[] = []
  const unstamped: string[] = []
  for await (const [id, raw] of kv.entries('reports')) {
    const report = JSON.parse(decoder.decode(raw)) as ReportRecord
    if (report.status === 'closed' && report.closed === undefined) unstamped.push(id)
    else if (isExpired(report, lastKept)) expired.push(id)
  }
  if (options.dryRun === true) {
    let blobs = 0
    const left = new Map<string, number>()
    for (const id of expired) {
      const report = JSON.parse(decoder.decode((await kv.get('reports', id))!)) as ReportRecord
      blobs += reportBlobs(report).length
      left.set(report.reporter, (left.get(report.reporter) ?? reporterReportCount(await kv.get('reporters', report.reporter))) - 1)
    }
    return { reports: expired.length, reporters: [...left.values()].filter((n) => n <= 0).length, blobs, stamped: unstamped.length }
  }
  const today = utcDate(now)
  for (const id of unstamped) {
    await modifyReport(kv, id, (current) => current?.status === 'closed' && current.closed === undefined ? { value: { ...current, closed: today } } : undefined)
  }
  let reports = 0
  let reporters = 0
  let blobs = 0
  for (const id of expired) {
    const gone = await expireReport(kv, id, lastKept)
    if (gone === undefined) continue
    reports++
    blobs += gone.blobs
    if (gone.reporterDeleted) reporters++
  }
  // Counts only: no report id, no force, nothing about who reported.
  await appendAudit(kv, { actor: options.actor, action: 'purge', detail: `reports-${reports}-reporters-${reporters}` })
  return { reports, reporters, blobs, stamped: unstamped.length }
}

function reporterReportCount (raw: Uint8Array | undefined): number {
  return raw === undefined ? 0 : (JSON.parse(decoder.decode(raw)) as ReporterRecord).reports.length
}

/**
 * Deletes one expired report in one batch (record, index entries, last looks,
 * its id in the reporter's list or the reporter record itself, blobs marked
 * pending), then its blobs, compacting before and after. Undefined when the
 * report is gone or no longer expired (reopened meanwhile).
 */
async function expireReport (kv: Kv, id: string, lastKept: string): Promise<{ blobs: number; reporterDeleted: boolean } | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const raw = await kv.get('reports', id)
    if (raw === undefined) return undefined
    const report = JSON.parse(decoder.decode(raw)) as ReportRecord
    if (!isExpired(report, lastKept)) return undefined
    const ranges: SpaceRange[] = [keyRange('reports', id), ...reportIndexKeys(report).map(([space, key]) => keyRange(space, key)), keyRange('reporters', report.reporter)]
    // The records settle into table files before their tombstones are written (store/erase.ts).
    await compactRanges(kv, ranges)
    const ops = await reportRemovalOps(kv, report)
    const expect: Expectation[] = [{ space: 'reports', key: id, value: raw }]
    let reporterDeleted = false
    const reporterRaw = await kv.get('reporters', report.reporter)
    if (reporterRaw !== undefined) {
      const reporter = JSON.parse(decoder.decode(reporterRaw)) as ReporterRecord
      const remaining = reporter.reports.filter((other) => other !== id)
      reporterDeleted = remaining.length === 0
      ops.push(reporterDeleted ? { type: 'del', space: 'reporters', key: report.reporter } : putReporterOp(report.reporter, { ...reporter, reports: remaining }))
      expect.push({ space: 'reporters', key: report.reporter, value: reporterRaw })
    }
    const blobs = reportBlobs(report)
    for (const blob of blobs) ops.push({ type: 'put', space: 'pending', key: blob, value: EMPTY })
    try {
      await kv.batch(ops, { expect })
    } catch (err) {
      if (!isCandourError(err, 'STORE_CONFLICT')) throw err
      continue
    }
    await forgetLateLooks(kv, id)
    await compactRanges(kv, ranges)
    const blobRanges = blobs.map(blobRange)
    await compactRanges(kv, blobRanges)
    await discardBlobs(kv, blobs)
    await compactRanges(kv, blobRanges)
    return { blobs: blobs.length, reporterDeleted }
  }
  throw new CandourError('STORE_CONFLICT', 'report kept changing')
}
