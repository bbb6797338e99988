/**
 * Taking a report in: attachments stream through encryption into the store
 * as they arrive; the answers are checked, encrypted and committed with the
 * reporter record in one atomic batch only when every piece is stored. Until
 * then the blobs are pending, and abandoning the submission removes them.
 */
import { randomBytes } from 'node:crypto'
import { encryptBytes, encryptStream } from '../crypto/encrypt.js'
import type { RecipientKeys } from '../crypto/keys.js'
import { generateReplyKeyPair } from '../crypto/reply-keys.js'
import { discardBlobs, settleOps, writeBlob } from '../store/blobs.js'
import type { Kv } from '../store/kv.js'
import { putReporterOp, putReportOps, type ItemRecord, type ReportRecord } from '../store/records.js'
import { CandourError } from '../errors.js'
import { deriveReplyPassphrase, deriveReporterId, generateCodename, type Peppers } from './codenames.js'
import { utcDate, utcMidnight } from './dates.js'
import { sanitizeFilename } from './filenames.js'
import { findForce } from './forces.js'
import type { Answers } from './report-answers.js'
import { contactDocument, reportDocument } from './report-document.js'

/** What a submission needs from the running service. */
export interface SubmissionDeps {
  readonly kv: Kv
  readonly recipients: ReadonlyMap<string, RecipientKeys>
  readonly peppers: Peppers
  readonly scryptCost: number
}

/** The outcome of a committed submission. */
export interface Receipt {
  readonly codename: string
  readonly reportId: string
  readonly urgent: boolean
}

const encoder = new TextEncoder()

/** A new random report id (no order, no time). */
export function newReportId (): string {
  return randomBytes(12).toString('hex')
}

/** One report being received. */
export class Submission {
  readonly #deps: SubmissionDeps
  readonly #attachments: ItemRecord[] = []
  readonly #blobs: string[] = []
  readonly #today = utcDate()
  #done = false

  constructor (deps: SubmissionDeps) {
    this.#deps = deps
  }

  #recipients (forceId: string): RecipientKeys {
    if (findForce(forceId) === undefined) throw new CandourError('FORCE_UNKNOWN', 'unknown force')
    const recipients = this.#deps.recipients.get(forceId)
    if (recipients === undefined) throw new CandourError('FORCE_UNAVAILABLE', 'force has no usable key')
    return recipients
  }

  /** Number of attachments stored so far. */
  get attachmentCount (): number {
    return this.#attachments.length
  }

  /** Streams one attachment through encryption into the store; an empty, nameless part is skipped. */
  async addAttachment (forceId: string, originalName: string, source: AsyncIterable<Uint8Array>): Promise<void> {
    if (this.#done) throw new TypeError('submission already finished')
    const recipients = this.#recipients(forceId)
    const blob = await writeBlob(this.#deps.kv, encryptStream(source, recipients, { filename: sanitizeFilename(originalName), date: utcMidnight() }))
    this.#blobs.push(blob.id)
    this.#attachments.push({ id: randomBytes(8).toString('hex'), kind: 'attachment', blob: blob.id, size: blob.size, received: this.#today })
  }

  /** Encrypts the answers, creates the codename and reporter, and commits everything in one batch. */
  async commit (answers: Answers): Promise<Receipt> {
    if (this.#done) throw new TypeError('submission already finished')
    const force = findForce(answers.force)
    const recipients = this.#recipients(answers.force)
    const reportId = newReportId()
    const date = utcMidnight()
    const facts = { reportId, forceName: force!.name, received: this.#today, attachments: this.#attachments.length }
    const items: ItemRecord[] = []
    const text = await writeBlob(this.#deps.kv, encryptBytes(encoder.encode(reportDocument(answers, facts)), recipients, { filename: 'report.txt', date }))
    this.#blobs.push(text.id)
    items.push({ id: randomBytes(8).toString('hex'), kind: 'report', blob: text.id, size: text.size, received: this.#today })
    if (answers.contact !== undefined) {
      const contact = await writeBlob(this.#deps.kv, encryptBytes(encoder.encode(contactDocument(answers.contact, facts)), recipients, { filename: 'contact.txt', date }))
      this.#blobs.push(contact.id)
      items.push({ id: randomBytes(8).toString('hex'), kind: 'contact', blob: contact.id, size: contact.size, received: this.#today })
    }
    items.push(...this.#attachments)

    const codename = generateCodename()
    const [reporterId, passphrase] = await Promise.all([
      deriveReporterId(codename, this.#deps.peppers, this.#deps.scryptCost),
      deriveReplyPassphrase(codename, this.#deps.peppers, this.#deps.scryptCost),
    ])
    const replyKeys = await generateReplyKeyPair(passphrase, date)
    const urgent = answers.atRisk === 'yes'
    const report: ReportRecord = {
      v: 1,
      id: reportId,
      force: answers.force,
      category: answers.category,
      channel: 'online',
      urgent,
      status: 'new',
      received: this.#today,
      reporter: reporterId,
      items,
    }
    await this.#deps.kv.batch([
      ...putReportOps(report),
      putReporterOp(reporterId, { v: 1, replyPublicKey: replyKeys.publicKey, lockedReplySecretKey: replyKeys.lockedSecretKey, reports: [reportId] }),
      ...settleOps(this.#blobs),
    ])
    this.#done = true
    return Object.freeze({ codename, reportId, urgent })
  }

  /** Removes everything stored for this submission (rejected or aborted); safe to call twice. */
  async abandon (): Promise<void> {
    if (this.#done) return
    this.#done = true
    await discardBlobs(this.#deps.kv, this.#blobs.splice(0))
  }
}
