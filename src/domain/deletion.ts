/**
 * Deleting a report (issue 4): its record, its index entries, every
 * reviewer's last-look state and its id in the reporter's list go in one
 * batch, which also marks every blob of the report pending (items, both copies
 * of every reply); then the blobs go. The key ranges that held any of it are
 * compacted before and after (see store/erase.ts) so the ciphertext does not
 * linger in LevelDB's files. A crash between the steps leaves only pending
 * blobs, which start-up removes.
 */
import { CandourError, isCandourError } from '../errors.js'
import { compactRanges, eraseBlobs, keyRange, type SpaceRange } from '../store/erase.js'
import type { BatchOp, Expectation, Kv } from '../store/kv.js'
import { putReporterOp, type ReporterRecord, type ReportRecord } from '../store/records.js'
import { reindexOps, reportIndexKeys } from '../store/report-index.js'
import { historyOf, statsOps } from '../store/stats.js'
import { auditedCommit, type AuditInput } from './audit.js'
import { forgetLateLooks, forgetSeenOps } from './last-looked.js'

const MAX_ATTEMPTS = 20
const EMPTY = new Uint8Array(0)
const decoder = new TextDecoder()

/** Every blob a report owns. */
export function reportBlobs (report: ReportRecord): string[] {
  return [
    ...report.items.map((item) => item.blob),
    ...report.replies.flatMap((reply) => reply.reporterBlob === null ? [reply.forceBlob] : [reply.forceBlob, reply.reporterBlob]),
  ]
}

/**
 * The batch operations that remove a report's record, its index entries and
 * every reviewer's last look at it, and move what it counted into the retired
 * statistics sums (store/stats.ts): published figures stay, no per-report
 * trace does. Deletion and the retention sweep both remove reports this way.
 */
export async function reportRemovalOps (kv: Kv, report: ReportRecord): Promise<BatchOp[]> {
  return [{ type: 'del', space: 'reports', key: report.id }, ...reindexOps(report, undefined), ...await forgetSeenOps(kv, report.id), ...statsOps(historyOf(report), 'stats-retired')]
}

/**
 * Deletes a report of `force`, all its ciphertext and all state about it; NOT_FOUND when it is not that force's.
 * With `options.audit`, the entry is written in the batch that removes the record: both or neither.
 */
export async function deleteReport (kv: Kv, force: string, reportId: string, options: { audit?: AuditInput } = {}): Promise<void> {
  const commit = auditedCommit(kv, options.audit)
  let report: ReportRecord | undefined
  for (let attempt = 0; attempt < MAX_ATTEMPTS && report === undefined; attempt++) {
    const raw = await kv.get('reports', reportId)
    const current = raw === undefined ? undefined : JSON.parse(decoder.decode(raw)) as ReportRecord
    if (current === undefined || current.force !== force) throw new CandourError('NOT_FOUND', 'report not found')
    // The record and its index entries settle into table files before their tombstones are written.
    await compactRanges(kv, recordRanges(current))
    const ops = await reportRemovalOps(kv, current)
    const expect: Expectation[] = [{ space: 'reports', key: reportId, value: raw }]
    const reporterRaw = await kv.get('reporters', current.reporter)
    if (reporterRaw !== undefined) {
      const reporter = JSON.parse(decoder.decode(reporterRaw)) as ReporterRecord
      ops.push(putReporterOp(current.reporter, { ...reporter, reports: reporter.reports.filter((id) => id !== reportId) }))
      expect.push({ space: 'reporters', key: current.reporter, value: reporterRaw })
    }
    for (const blob of reportBlobs(current)) ops.push({ type: 'put', space: 'pending', key: blob, value: EMPTY })
    try {
      await commit(ops, expect)
      report = current
    } catch (err) {
      if (!isCandourError(err, 'STORE_CONFLICT')) throw err
    }
  }
  if (report === undefined) throw new CandourError('STORE_CONFLICT', 'report kept changing')
  await forgetLateLooks(kv, reportId)
  await compactRanges(kv, recordRanges(report))
  await eraseBlobs(kv, reportBlobs(report))
}

function recordRanges (report: ReportRecord): SpaceRange[] {
  return [keyRange('reports', report.id), ...reportIndexKeys(report).map(([space, key]) => keyRange(space, key))]
}
