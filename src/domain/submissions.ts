/**
 * Taking a report in: attachments stream through encryption into the store
 * as they arrive; the answers are checked, encrypted and committed with the
 * reporter record in one atomic batch only when every piece is stored. Until
 * then the blobs are pending, and abandoning the submission removes them.
 */
import { randomBytes } from 'node:crypto'
import type { RecipientKeys } from '../crypto/keys.js'
import type { Kv } from '../store/kv.js'
import { modifyRecord, putReporterOp, putReportOps, type Channel, type ReportRecord, type ReporterRecord } from '../store/records.js'
import { monthOf, statsOps, type StatsEvent } from '../store/stats.js'
import { CandourError } from '../errors.js'
import { auditedCommit, type AuditInput } from './audit.js'
import type { CodenameReserve } from './codename-reserve.js'
import type { Peppers } from './codenames.js'
import type { Admission } from './derivation-queue.js'
import { findForce } from './forces.js'
import { PendingItems } from './pending-items.js'
import type { Answers } from './report-answers.js'
import { contactDocument, reportDocument } from './report-document.js'

/** What a submission needs from the running service. */
export interface SubmissionDeps {
  readonly kv: Kv
  readonly recipients: ReadonlyMap<string, RecipientKeys>
  readonly peppers: Peppers
  readonly scryptCost: number
  /** Where a new reporter's codename and keys come from. */
  readonly reserve: CodenameReserve
}

/** The outcome of a committed submission; `codename` only for a new reporter. */
export interface Receipt {
  readonly codename?: string
  readonly reportId: string
  readonly urgent: boolean
}

/** A new random report id (no order, no time). */
export function newReportId (): string {
  return randomBytes(12).toString('hex')
}

/** The recipient keys of a force, or the reason there are none. */
export function forceRecipients (recipients: ReadonlyMap<string, RecipientKeys>, forceId: string): RecipientKeys {
  if (findForce(forceId) === undefined) throw new CandourError('FORCE_UNKNOWN', 'unknown force')
  const keys = recipients.get(forceId)
  if (keys === undefined) throw new CandourError('FORCE_UNAVAILABLE', 'force has no usable key')
  return keys
}

/** One report being received. */
export class Submission {
  readonly #deps: SubmissionDeps
  readonly #items: PendingItems

  constructor (deps: SubmissionDeps) {
    this.#deps = deps
    this.#items = new PendingItems(deps.kv)
  }

  /** Number of attachments stored so far. */
  get attachmentCount (): number {
    return this.#items.count('attachment')
  }

  /** Streams one attachment through encryption into the store. */
  async addAttachment (forceId: string, originalName: string, source: AsyncIterable<Uint8Array>): Promise<void> {
    await this.#items.addFile(source, originalName, forceRecipients(this.#deps.recipients, forceId))
  }

  /**
   * Encrypts the answers and commits everything in one batch. A new reporter
   * gets a codename and a reply key pair; a reporter already logged in
   * (`reporterId`) gets the report added under their codename. `channel`
   * records how it came in (online unless a call handler took it by phone).
   * `admission` is the new reporter's place from `CodenameReserve.admit`: with
   * it, a codename made on the spot waits its turn instead of answering BUSY.
   * `audit` is written in the same batch as the report: both or neither.
   */
  async commit (answers: Answers, options: { reporterId?: string; channel?: Channel; admission?: Admission; audit?: AuditInput } = {}): Promise<Receipt> {
    const commit = auditedCommit(this.#deps.kv, options.audit)
    const force = findForce(answers.force)
    const recipients = forceRecipients(this.#deps.recipients, answers.force)
    const reportId = newReportId()
    const channel = options.channel ?? 'online'
    const facts = { reportId, forceName: force!.name, received: this.#items.today, attachments: this.attachmentCount, channel }
    if (answers.contact !== undefined) await this.#items.addText('contact', contactDocument(answers.contact, facts), 'contact.txt', recipients, { first: true })
    await this.#items.addText('report', reportDocument(answers, facts), 'report.txt', recipients, { first: true })
    const urgent = answers.atRisk === 'yes'
    // Counted in the batch that stores the report (issue 12).
    const received: StatsEvent = { e: 'received', m: monthOf(this.#items.today), f: answers.force, ch: channel, c: answers.category, u: urgent }
    const report = (reporter: string): ReportRecord => ({
      v: 1,
      id: reportId,
      force: answers.force,
      category: answers.category,
      channel,
      urgent,
      status: 'new',
      received: this.#items.today,
      reporter,
      items: [...this.#items.items],
      replies: [],
      stats: [received],
    })

    if (options.reporterId !== undefined) {
      const updated = await modifyRecord<ReporterRecord>(this.#deps.kv, 'reporters', options.reporterId, (current) => current === undefined
        ? undefined
        : { value: { ...current, reports: [...current.reports, reportId] }, ops: [...putReportOps(report(options.reporterId!)), ...statsOps([received]), ...this.#items.settleOps()] }, commit)
      if (updated === undefined) throw new CandourError('NOT_FOUND', 'reporter not found')
      this.#items.settled()
      return Object.freeze({ reportId, urgent })
    }

    const reporter = await this.#deps.reserve.take(options.admission)
    await commit([
      ...putReportOps(report(reporter.reporterId)),
      putReporterOp(reporter.reporterId, { v: 1, replyPublicKey: reporter.replyPublicKey, lockedReplySecretKey: reporter.lockedReplySecretKey, reports: [reportId] }),
      ...statsOps([received]),
      ...this.#items.settleOps(),
    ], [{ space: 'reporters', key: reporter.reporterId, value: undefined }])
    this.#items.settled()
    return Object.freeze({ codename: reporter.codename, reportId, urgent })
  }

  /** Removes everything stored for this submission (rejected or aborted); safe to call twice. */
  async abandon (): Promise<void> {
    await this.#items.abandon()
  }
}
