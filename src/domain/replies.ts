/**
 * Replies from the force. Each is stored twice: a copy encrypted to the
 * reporter's reply key, which the reporter may delete for good, and a copy
 * encrypted to the force's keys, which stays in the case record and shows the
 * reviewer when the reply was read and deleted.
 */
import { randomBytes } from 'node:crypto'
import { encryptBytes } from '../crypto/encrypt.js'
import { recipientsFromArmored, type RecipientKeys } from '../crypto/keys.js'
import { decryptReply, type UnlockedReplyKey } from '../crypto/reply-keys.js'
import { CandourError } from '../errors.js'
import { readBlob, writeBlob, discardBlobs, settleOps } from '../store/blobs.js'
import { eraseBlobs } from '../store/erase.js'
import type { Kv } from '../store/kv.js'
import { getReport, getReporter, modifyRecord, type ReplyRecord, type ReportRecord } from '../store/records.js'
import { auditedCommit, type AuditInput } from './audit.js'
import { utcDate, utcMidnight } from './dates.js'
import { forceRecipients } from './submissions.js'

/** The longest reply, in characters. */
export const MAX_REPLY_CHARS = 20_000

const encoder = new TextEncoder()

/**
 * Stores a reply to a report (both copies); returns the reply id. The force
 * copy is encrypted to the force the report belongs to when the reply begins
 * (`options.force` when the caller has already read it); if a transfer moves
 * the report meanwhile, the commit sees it in the same atomic step and keeps
 * nothing (REPORT_MOVED, issue 9): the new force could not read that copy.
 * With `options.audit`, the entry is written in the batch that stores the reply: both or neither.
 */
export async function addReply (kv: Kv, recipients: ReadonlyMap<string, RecipientKeys>, reportId: string, text: string, options: { force?: string; audit?: AuditInput } = {}): Promise<string> {
  const commit = auditedCommit(kv, options.audit)
  const body = text.replace(/\r\n?/g, '\n').trim()
  if (body === '' || [...body].length > MAX_REPLY_CHARS) throw new CandourError('VALIDATION_FAILED', 'reply empty or too long', { detail: { field: 'reply' } })
  const report = await getReport(kv, reportId)
  if (report === undefined) throw new CandourError('NOT_FOUND', 'report not found')
  const force = options.force ?? report.force
  if (report.force !== force) throw new CandourError('REPORT_MOVED', 'report moved to another force')
  const reporter = await getReporter(kv, report.reporter)
  if (reporter === undefined) throw new CandourError('NOT_FOUND', 'reporter not found')
  const date = utcMidnight()
  const reporterKeys = await recipientsFromArmored(reporter.replyPublicKey)
  const bytes = encoder.encode(body + '\n')
  const reporterCopy = await writeBlob(kv, encryptBytes(bytes, reporterKeys, { filename: 'reply.txt', date }))
  let forceCopy
  try {
    forceCopy = await writeBlob(kv, encryptBytes(bytes, forceRecipients(recipients, force), { filename: 'reply.txt', date }))
  } catch (err) {
    await discardBlobs(kv, [reporterCopy.id])
    throw err
  }
  const reply: ReplyRecord = { id: randomBytes(8).toString('hex'), date: utcDate(), forceBlob: forceCopy.id, forceSize: forceCopy.size, reporterBlob: reporterCopy.id, read: null, deleted: null }
  let moved = false
  let updated
  try {
    updated = await modifyRecord<ReportRecord>(kv, 'reports', reportId, (current) => {
      moved = current !== undefined && current.force !== force
      return current === undefined || moved
        ? undefined
        : { value: { ...current, replies: [...current.replies, reply] }, ops: settleOps([reporterCopy.id, forceCopy.id]) }
    }, commit)
  } catch (err) {
    // Not stored (the store failed, or the report kept changing): neither copy is kept.
    await discardBlobs(kv, [reporterCopy.id, forceCopy.id])
    throw err
  }
  if (updated === undefined) {
    await discardBlobs(kv, [reporterCopy.id, forceCopy.id])
    throw moved ? new CandourError('REPORT_MOVED', 'report moved to another force') : new CandourError('NOT_FOUND', 'report not found')
  }
  return reply.id
}

/** A reply as the reporter reads it. */
export interface ReadableReply {
  readonly id: string
  readonly date: string
  readonly text: string
}

async function bytesOf (kv: Kv, blobId: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of readBlob(kv, blobId)) parts.push(part)
  return Buffer.concat(parts)
}

/** Decrypts the reporter's copies of a report's replies, newest first, and notes the date each was first read. */
export async function readReplies (kv: Kv, report: ReportRecord, key: UnlockedReplyKey): Promise<ReadableReply[]> {
  const visible = report.replies.filter((reply) => reply.reporterBlob !== null)
  const out: ReadableReply[] = []
  for (const reply of visible) out.push({ id: reply.id, date: reply.date, text: await decryptReply(await bytesOf(kv, reply.reporterBlob!), key) })
  if (visible.some((reply) => reply.read === null)) {
    const today = utcDate()
    await modifyRecord<ReportRecord>(kv, 'reports', report.id, (current) => current === undefined || !current.replies.some((r) => r.read === null && r.reporterBlob !== null)
      ? undefined
      : { value: { ...current, replies: current.replies.map((r) => r.read === null && r.reporterBlob !== null ? { ...r, read: today } : r) } })
  }
  return out.reverse()
}

/** Deletes the reporter's copy of a reply; false when the report or reply is not this reporter's. */
export async function deleteReporterCopy (kv: Kv, reporterId: string, reportId: string, replyId: string): Promise<boolean> {
  let removed: string | undefined
  const today = utcDate()
  await modifyRecord<ReportRecord>(kv, 'reports', reportId, (current) => {
    removed = undefined
    const reply = current?.replies.find((r) => r.id === replyId)
    if (current === undefined || current.reporter !== reporterId || reply === undefined || reply.reporterBlob === null) return undefined
    removed = reply.reporterBlob
    return {
      value: { ...current, replies: current.replies.map((r) => r.id === replyId ? { ...r, reporterBlob: null, read: r.read ?? today, deleted: today } : r) },
      // Marked pending in the same batch: if the process dies before the chunks go, start-up removes them.
      ops: [{ type: 'put', space: 'pending', key: reply.reporterBlob, value: new Uint8Array(0) }],
    }
  })
  if (removed === undefined) return false
  // Compacted before and after the delete: otherwise the copy can stay in LevelDB's files (store/erase.ts).
  await eraseBlobs(kv, [removed])
  return true
}
