/**
 * The store's integrity check (issue 14): every report indexed and every
 * index entry pointing at a report that calls for it; every reporter listing
 * exactly reports that exist; every blob complete, owned by a record, and
 * parsing as an OpenPGP message addressed to the keys it should be (the
 * force's keys, or the reporter's reply key for a reporter's copy): packet
 * inspection only, the server can decrypt nothing; no upload left pending;
 * the audit chain intact; every statistics counter equal to a recount of the
 * reports' histories and the retired sums.
 *
 * Against a running server (through the control socket) the store changes
 * while it is read, so each fault found is confirmed on a fresh read before it
 * counts, and pending blobs are uploads in progress, not faults.
 *
 * Repair fixes only what can be rebuilt from the records without losing
 * anything: index entries (added or removed), reporters' lists of their
 * reports, and, with the server stopped, blobs left pending by a crash (as
 * start-up would) and the statistics counters (rebuilt from the records they
 * are derived from; not while the server writes, as a rebuild racing a new
 * report could miss its counts). What it cannot fix it counts and leaves.
 */
import { allKeyIds } from '../crypto/keys.js'
import { recipientKeyIds } from '../crypto/inspect.js'
import { isCandourError } from '../errors.js'
import { readBlob, removeOrphans } from '../store/blobs.js'
import type { BatchOp, Kv, Space } from '../store/kv.js'
import { getReport, getReporter, modifyRecord, type ReporterRecord, type ReportRecord } from '../store/records.js'
import { reportIndexKeys } from '../store/report-index.js'
import { verifyAudit, type AuditVerification } from './audit.js'
import { counterDifferences, rebuildCounters, type CounterDifference } from './statistics/counters.js'

/** What the check is told. */
export interface CheckOptions {
  /** Every key id each force's messages may be addressed to (from all its key files, expired ones too). */
  readonly forceKeyIds: ReadonlyMap<string, ReadonlySet<string>>
  /** Fix what can be fixed without losing data. */
  readonly repair?: boolean
  /** The store is in use by a running server (reached through its control socket). */
  readonly live?: boolean
}

/** The counts of a check; every count but `reports`, `blobs` and `uploadsInProgress` is a fault. */
export interface CheckCounts {
  reports: number
  blobs: number
  /** Index entries a report calls for that are absent. */
  indexMissing: number
  /** Index entries no report calls for. */
  indexDangling: number
  /** A report its reporter does not list, or a listed report that does not exist. */
  reporterLinks: number
  /** Reports whose reporter record is gone (cannot be repaired: the reporter's keys are lost). */
  reportersMissing: number
  /** Blobs absent, or shorter or longer than their record says. */
  blobsIncomplete: number
  /** Blobs that do not parse as an OpenPGP message to public keys. */
  blobsUnreadable: number
  /** Blobs addressed to keys other than the ones they should be. */
  blobsWrongKeys: number
  /** Blobs no record owns and no upload is writing. */
  blobsUnowned: number
  /** Pending blobs with the server stopped: left by a crash. */
  pending: number
  /** Pending blobs of a running server: uploads under way, not a fault. */
  uploadsInProgress: number
  /** Statistics counters whose stored value differs from a recount of the records. */
  countersDiffering: number
}

/** The result of a check. */
export interface CheckResult {
  readonly counts: CheckCounts
  readonly audit: AuditVerification
  /** What repair fixed, by the count it came from. */
  readonly repaired: Partial<Record<keyof CheckCounts, number>>
  /** The first 20 differing statistics counters, as found (before any repair). */
  readonly counterDifferences: readonly CounterDifference[]
  /** Faults left after any repair. */
  readonly faults: number
}

const FAULTS: ReadonlyArray<keyof CheckCounts> = ['indexMissing', 'indexDangling', 'reporterLinks', 'reportersMissing', 'blobsIncomplete', 'blobsUnreadable', 'blobsWrongKeys', 'blobsUnowned', 'pending', 'countersDiffering']
const EMPTY = new Uint8Array(0)

/** The fault counts of the check, in the order they are printed. */
export const CHECK_FAULTS = FAULTS

interface BlobExpectation { readonly blob: string; readonly size?: number; readonly keyIds: ReadonlySet<string> | undefined }

function blobsOf (report: ReportRecord, forceKeys: ReadonlySet<string> | undefined, reporterKeys: ReadonlySet<string> | undefined): BlobExpectation[] {
  return [
    ...report.items.map((item) => ({ blob: item.blob, size: item.size, keyIds: forceKeys })),
    ...report.replies.flatMap((reply) => [
      { blob: reply.forceBlob, size: reply.forceSize, keyIds: forceKeys },
      ...(reply.reporterBlob === null ? [] : [{ blob: reply.reporterBlob, keyIds: reporterKeys }]),
    ]),
  ]
}

type BlobVerdict = 'ok' | 'blobsIncomplete' | 'blobsUnreadable' | 'blobsWrongKeys'

async function examineBlob (kv: Kv, expected: BlobExpectation): Promise<BlobVerdict> {
  let size = 0
  const chunks = (async function * () {
    for await (const chunk of readBlob(kv, expected.blob)) { size += chunk.byteLength; yield chunk }
  })()
  let ids: string[]
  try {
    ids = await recipientKeyIds(chunks)
  } catch (err) {
    if (!isCandourError(err, 'CIPHERTEXT_INVALID')) throw err
    // The parser may have stopped early: measure the whole blob, so a short one is told apart from a damaged one.
    size = 0
    for await (const chunk of readBlob(kv, expected.blob)) size += chunk.byteLength
    return size === 0 || (expected.size !== undefined && size !== expected.size) ? 'blobsIncomplete' : 'blobsUnreadable'
  }
  if (expected.size !== undefined && size !== expected.size) return 'blobsIncomplete'
  if (expected.keyIds === undefined || ids.length === 0 || !ids.every((id) => expected.keyIds!.has(id))) return 'blobsWrongKeys'
  return 'ok'
}

async function reporterKeyIds (reporter: ReporterRecord | undefined): Promise<ReadonlySet<string> | undefined> {
  if (reporter === undefined) return undefined
  try {
    return new Set(await allKeyIds(reporter.replyPublicKey))
  } catch {
    return undefined
  }
}

function same (a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Checks the store; with `repair`, fixes index entries, reporters' lists and (server stopped) crash leftovers. */
export async function checkStore (kv: Kv, options: CheckOptions): Promise<CheckResult> {
  const counts: CheckCounts = { reports: 0, blobs: 0, indexMissing: 0, indexDangling: 0, reporterLinks: 0, reportersMissing: 0, blobsIncomplete: 0, blobsUnreadable: 0, blobsWrongKeys: 0, blobsUnowned: 0, pending: 0, uploadsInProgress: 0, countersDiffering: 0 }
  const repaired: Partial<Record<keyof CheckCounts, number>> = {}
  const fixed = (what: keyof CheckCounts, n = 1): void => { repaired[what] = (repaired[what] ?? 0) + n }
  const repair = options.repair === true
  const live = options.live === true
  const owned = new Set<string>()

  // Reports: their index entries, their reporter, their blobs.
  for await (const [id, raw] of kv.entries('reports')) {
    let report = JSON.parse(Buffer.from(raw).toString('utf8')) as ReportRecord
    counts.reports++
    let found = await examineReport(kv, report, options)
    if (live && found.faults > 0) {
      // The server may have changed the report meanwhile: only a fault seen again on a fresh read counts.
      const fresh = await getReport(kv, id)
      if (fresh === undefined) { counts.reports--; continue }
      if (!same(fresh, report)) { report = fresh; found = await examineReport(kv, report, options) }
    }
    for (const blob of found.blobs) owned.add(blob)
    counts.blobs += found.blobs.length
    for (const [what, n] of Object.entries(found.counts) as Array<[keyof CheckCounts, number]>) counts[what] += n
    if (repair && found.missingIndex.length > 0) {
      await kv.batch(found.missingIndex.map(([space, key]) => ({ type: 'put', space, key, value: EMPTY })))
      fixed('indexMissing', found.missingIndex.length)
    }
    if (repair && found.unlisted) {
      await modifyRecord<ReporterRecord>(kv, 'reporters', report.reporter, (current) =>
        current === undefined || current.reports.includes(report.id) ? undefined : { value: { ...current, reports: [...current.reports, report.id] } })
      fixed('reporterLinks')
    }
  }

  // Index entries: each must be one its report calls for.
  for (const space of ['by-force', 'inbox'] as const) {
    const stale: BatchOp[] = []
    for await (const key of kv.keys(space)) {
      if (await calledFor(kv, space, key)) continue
      if (live && await calledFor(kv, space, key)) continue
      counts.indexDangling++
      if (repair) stale.push({ type: 'del', space, key })
    }
    for (let i = 0; i < stale.length; i += 500) await kv.batch(stale.slice(i, i + 500))
    if (stale.length > 0) fixed('indexDangling', stale.length)
  }

  // Reporters: every report they list must exist.
  for await (const [reporterId, raw] of kv.entries('reporters')) {
    const reporter = JSON.parse(Buffer.from(raw).toString('utf8')) as ReporterRecord
    const gone: string[] = []
    for (const reportId of reporter.reports) {
      const report = await getReport(kv, reportId)
      if (report === undefined || report.reporter !== reporterId) gone.push(reportId)
    }
    if (gone.length === 0) continue
    if (live && (await getReporter(kv, reporterId)) === undefined) continue
    counts.reporterLinks += gone.length
    if (repair) {
      await modifyRecord<ReporterRecord>(kv, 'reporters', reporterId, (current) =>
        current === undefined ? undefined : { value: { ...current, reports: current.reports.filter((id) => !gone.includes(id)) } })
      fixed('reporterLinks', gone.length)
    }
  }

  // Pending markers, then blobs nobody owns.
  const pending = new Set<string>()
  for await (const key of kv.keys('pending')) pending.add(key)
  if (live) counts.uploadsInProgress = pending.size
  else counts.pending = pending.size
  const unowned: string[] = []
  let last: string | undefined
  for await (const key of kv.keys('blobs')) {
    const blob = key.slice(0, key.indexOf('!'))
    if (blob === last) continue
    last = blob
    if (!owned.has(blob) && !pending.has(blob)) unowned.push(blob)
  }
  if (live && unowned.length > 0) {
    // Reports committed while the check ran own blobs it had not seen owned: look again.
    const since = new Set(unowned)
    for await (const [, raw] of kv.entries('reports')) {
      for (const { blob } of blobsOf(JSON.parse(Buffer.from(raw).toString('utf8')) as ReportRecord, undefined, undefined)) since.delete(blob)
    }
    for await (const key of kv.keys('pending')) since.delete(key)
    unowned.splice(0, unowned.length, ...since)
  }
  counts.blobsUnowned = unowned.length
  if (repair && !live && pending.size > 0) fixed('pending', await removeOrphans(kv))

  // Statistics counters: each must equal a recount of the reports' histories plus the retired sums.
  let differences = (await counterDifferences(kv)).differences
  if (live && differences.length > 0) {
    // A report written while the recount ran moves its counters: only a difference seen again counts.
    const first = new Set(differences.map((d) => d.key))
    differences = (await counterDifferences(kv)).differences.filter((d) => first.has(d.key))
  }
  counts.countersDiffering = differences.length
  if (repair && !live && differences.length > 0) {
    await rebuildCounters(kv)
    fixed('countersDiffering', differences.length)
  }

  const audit = await verifyAudit(kv)
  const faults = FAULTS.reduce((sum, what) => sum + counts[what] - (repaired[what] ?? 0), 0) + (audit.ok ? 0 : 1)
  return { counts, audit, repaired, counterDifferences: differences.slice(0, 20), faults }
}

interface ReportFindings {
  readonly faults: number
  readonly blobs: readonly string[]
  readonly counts: Partial<Record<keyof CheckCounts, number>>
  readonly missingIndex: ReadonlyArray<readonly [Space, string]>
  /** The reporter exists but does not list the report. */
  readonly unlisted: boolean
}

async function examineReport (kv: Kv, report: ReportRecord, options: CheckOptions): Promise<ReportFindings> {
  const counts: Partial<Record<keyof CheckCounts, number>> = {}
  const add = (what: keyof CheckCounts): void => { counts[what] = (counts[what] ?? 0) + 1 }
  const missingIndex: Array<readonly [Space, string]> = []
  for (const [space, key] of reportIndexKeys(report)) {
    if ((await kv.get(space, key)) === undefined) { missingIndex.push([space, key]); add('indexMissing') }
  }
  const reporter = await getReporter(kv, report.reporter)
  let unlisted = false
  if (reporter === undefined) add('reportersMissing')
  else if (!reporter.reports.includes(report.id)) { unlisted = true; add('reporterLinks') }
  const expectations = blobsOf(report, options.forceKeyIds.get(report.force), await reporterKeyIds(reporter))
  for (const expected of expectations) {
    const verdict = await examineBlob(kv, expected)
    if (verdict !== 'ok') add(verdict)
  }
  const faults = Object.values(counts).reduce((a, b) => a + b, 0)
  return { faults, blobs: expectations.map((e) => e.blob), counts, missingIndex, unlisted }
}

async function calledFor (kv: Kv, space: Space, key: string): Promise<boolean> {
  const report = await getReport(kv, key.slice(key.lastIndexOf('!') + 1))
  return report !== undefined && reportIndexKeys(report).some(([s, k]) => s === space && k === key)
}
