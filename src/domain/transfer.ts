/**
 * Transferring a report to another force (issue 4). The server cannot
 * re-encrypt what it cannot read, so the sending force's reviewer re-encrypts
 * the bundle on their offline machine to the receiving force's keys
 * (`candour transfer`) and uploads it as a zip, laid out like the download:
 * `NN-kind.gpg` for every item and every reply, and an optional manifest,
 * which is ignored. Nothing in the upload is trusted: each file must be an
 * OpenPGP message encrypted to exactly the receiving force's current
 * encryption keys (read from its packets), and every item and reply of the
 * report must be there, and nothing else.
 *
 * The new ciphertext is stored as pending blobs first. One batch then swaps
 * the blobs and the force, moves the index entries, marks the report as
 * transferred (and `new` for its new force), forgets every reviewer's last
 * look, and marks the old blobs pending; the old blobs are removed after it,
 * or at the next start after a crash. A refused bundle changes nothing.
 *
 * The upload is held in memory, as ciphertext only: a zip must be read at
 * random (its directory is at the end, and entry sizes may be only there), and
 * ciphertext is not plaintext. Its size is capped by the report's own size
 * (transferLimit), so memory follows what is stored.
 */
import { checkedCiphertext } from '../crypto/inspect.js'
import type { RecipientKeys } from '../crypto/keys.js'
import { CandourError, isCandourError } from '../errors.js'
import { discardBlobs, settleOps, writeBlob } from '../store/blobs.js'
import { eraseBlobs } from '../store/erase.js'
import type { BatchOp, Kv } from '../store/kv.js'
import { getReport, modifyReport, type ReportRecord } from '../store/records.js'
import { monthOf, statsOps, withEvent, type StatsEvent } from '../store/stats.js'
import { bundleEntries, type BundleEntry } from './bundles.js'
import { zipEntries, type ZipBytes } from './bundle-zip.js'
import { auditedCommit, type AuditInput } from './audit.js'
import { utcDate } from './dates.js'
import { findForce } from './forces.js'
import { forgetSeenOps } from './last-looked.js'

/** Room per file for a larger set of recipient keys and zip headers. */
const PER_FILE_SLACK = 64 * 1024
/** Room for the manifest and the zip's directory. */
const BUNDLE_SLACK = 1024 * 1024
/** No upload is held in memory beyond this, whatever the report's size. */
export const TRANSFER_MAX_BYTES = 1024 * 1024 * 1024

const EMPTY = new Uint8Array(0)

/** Why a bundle was refused: a closed value the form turns into a message. */
export type BundleProblem = 'not-zip' | 'unexpected-file' | 'duplicate-file' | 'missing-item' | 'not-openpgp' | 'wrong-recipients' | 'too-large' | 'report-changed'

function refused (reason: BundleProblem, cause?: unknown): CandourError {
  return new CandourError('BUNDLE_INVALID', 'transfer bundle refused', { detail: { reason }, ...(cause === undefined ? {} : { cause }) })
}

/** The largest upload accepted for a report's transfer bundle, in bytes. */
export function transferLimit (report: ReportRecord): number {
  const entries = bundleEntries(report)
  const total = entries.reduce((sum, entry) => sum + entry.size + PER_FILE_SLACK, BUNDLE_SLACK)
  return Math.min(total, TRANSFER_MAX_BYTES)
}

/** What a transfer needs. */
export interface TransferRequest {
  readonly reportId: string
  /** The sending force: the reviewer's own. */
  readonly from: string
  readonly to: string
  readonly bundle: ZipBytes
}

/** The report of `force` with this id, or NOT_FOUND (the same answer for another force's report). */
export async function reportOfForce (kv: Kv, force: string, reportId: string): Promise<ReportRecord> {
  const report = /^[0-9a-f]{24}$/.test(reportId) ? await getReport(kv, reportId) : undefined
  if (report === undefined || report.force !== force) throw new CandourError('NOT_FOUND', 'report not found')
  return report
}

/** The receiving force's keys, or why it cannot receive (FORCE_UNKNOWN, FORCE_UNAVAILABLE, VALIDATION_FAILED for the same force). */
export function receivingKeys (recipients: ReadonlyMap<string, RecipientKeys>, from: string, to: string): RecipientKeys {
  if (findForce(to) === undefined) throw new CandourError('FORCE_UNKNOWN', 'unknown force', { detail: { field: 'to' } })
  if (to === from) throw new CandourError('VALIDATION_FAILED', 'a report cannot be transferred to its own force', { detail: { field: 'to' } })
  const keys = recipients.get(to)
  if (keys === undefined || keys.encryptionKeyIds.length === 0) throw new CandourError('FORCE_UNAVAILABLE', 'force has no usable key', { detail: { field: 'to' } })
  return keys
}

/** Stores each expected file of the bundle as a pending blob, checked on the way in; returns name -> blob. */
async function storeBundle (kv: Kv, bundle: ZipBytes, expected: readonly BundleEntry[], keys: RecipientKeys, written: Map<string, { id: string; size: number }>): Promise<void> {
  const byName = new Map(expected.map((entry) => [entry.name, entry]))
  for await (const entry of zipEntries(bundle)) {
    if (entry.name === 'manifest.json') continue
    const target = byName.get(entry.name)
    if (target === undefined) throw refused('unexpected-file')
    if (written.has(entry.name)) throw refused('duplicate-file')
    if (entry.size > target.size + PER_FILE_SLACK) throw refused('too-large')
    try {
      written.set(entry.name, await writeBlob(kv, checkedCiphertext(entry.open(), keys.encryptionKeyIds)))
    } catch (err) {
      if (isCandourError(err, 'CIPHERTEXT_INVALID')) throw refused('not-openpgp', err)
      if (isCandourError(err, 'RECIPIENTS_MISMATCH')) throw refused('wrong-recipients', err)
      throw err
    }
  }
  if (expected.some((entry) => !written.has(entry.name))) throw refused('missing-item')
}

function sameShape (a: ReportRecord, b: ReportRecord): boolean {
  return a.force === b.force &&
    a.items.length === b.items.length && a.items.every((item, i) => item.id === b.items[i]!.id && item.blob === b.items[i]!.blob) &&
    a.replies.length === b.replies.length && a.replies.every((reply, i) => reply.id === b.replies[i]!.id && reply.forceBlob === b.replies[i]!.forceBlob)
}

/**
 * Transfers a report of `from` to `to` with a re-encrypted bundle; returns the
 * updated report. Fails, with nothing changed, with NOT_FOUND, the errors of
 * receivingKeys, PAYLOAD_TOO_LARGE, or BUNDLE_INVALID with a reason. With
 * `options.audit`, the entry is written in the batch that moves the report: both or neither.
 */
export async function transferReport (kv: Kv, recipients: ReadonlyMap<string, RecipientKeys>, request: TransferRequest, options: { audit?: AuditInput } = {}): Promise<ReportRecord> {
  const commit = auditedCommit(kv, options.audit)
  const report = await reportOfForce(kv, request.from, request.reportId)
  const keys = receivingKeys(recipients, request.from, request.to)
  if (request.bundle.size > transferLimit(report)) throw new CandourError('PAYLOAD_TOO_LARGE', 'bundle larger than the report allows')
  const expected = bundleEntries(report)
  const written = new Map<string, { id: string; size: number }>()
  const fresh = (): string[] => [...written.values()].map((blob) => blob.id)
  let updated: ReportRecord | undefined
  try {
    await storeBundle(kv, request.bundle, expected, keys, written)
    const forget = await forgetSeenOps(kv, report.id)
    const today = utcDate()
    updated = await modifyReport(kv, report.id, (current) => {
      // A further item or reply since the bundle was made would be left behind: refuse, nothing changed.
      if (current === undefined || !sameShape(current, report)) return undefined
      const blobOf = (name: string): { id: string; size: number } => written.get(name)!
      const { outcome: _cleared, ...rest } = current
      // Counted in the batch that moves the report (issue 12).
      const event: StatsEvent = { e: 'transferred', m: monthOf(today), f: request.from, to: request.to }
      const value: ReportRecord = {
        ...withEvent(current, rest as ReportRecord, event),
        force: request.to,
        status: 'new',
        transferredFrom: request.from,
        transferred: today,
        items: current.items.map((item, i) => ({ ...item, blob: blobOf(expected[i]!.name).id, size: blobOf(expected[i]!.name).size })),
        replies: current.replies.map((reply, i) => {
          const blob = blobOf(expected[current.items.length + i]!.name)
          return { ...reply, forceBlob: blob.id, forceSize: blob.size }
        }),
      }
      const ops: BatchOp[] = [
        ...settleOps(fresh()),
        ...statsOps([event]),
        ...expected.map((entry): BatchOp => ({ type: 'put', space: 'pending', key: entry.blob, value: EMPTY })),
        ...forget,
      ]
      return { value, ops }
    }, commit)
    if (updated === undefined) throw refused('report-changed')
  } catch (err) {
    await discardBlobs(kv, fresh())
    throw err
  }
  // The old ciphertext, encrypted to the sending force, goes now (or at the next start after a crash).
  await eraseBlobs(kv, expected.map((entry) => entry.blob))
  return updated
}
