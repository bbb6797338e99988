/**
 * Further information from a reporter to one of their own reports: a text and
 * attachments, streamed and encrypted like the first report, added to the
 * report as new items marked as follow-ups, in one atomic update, which
 * refuses them (REPORT_MOVED) if the report went to another force meanwhile.
 */
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'
import { getReport, modifyRecord, type Channel, type ReportRecord } from '../store/records.js'
import { monthOf, statsOps, withEvent, type StatsEvent } from '../store/stats.js'
import { findForce } from './forces.js'
import { PendingItems } from './pending-items.js'
import { forceRecipients, type SubmissionDeps } from './submissions.js'

/** The report a reporter may add to, or NOT_FOUND (the same answer whether it exists or is someone else's). */
export async function ownReport (kv: Kv, reporterId: string, reportId: string): Promise<ReportRecord> {
  const report = /^[0-9a-f]{24}$/.test(reportId) ? await getReport(kv, reportId) : undefined
  if (report === undefined || report.reporter !== reporterId) throw new CandourError('NOT_FOUND', 'report not found')
  return report
}

/** Further information being received. */
export class FurtherInformation {
  readonly #deps: SubmissionDeps
  readonly #report: ReportRecord
  readonly #items: PendingItems

  private constructor (deps: SubmissionDeps, report: ReportRecord) {
    this.#deps = deps
    this.#report = report
    this.#items = new PendingItems(deps.kv, { followUp: true })
  }

  /** Starts further information for a report of this reporter. */
  static async open (deps: SubmissionDeps, reporterId: string, reportId: string): Promise<FurtherInformation> {
    return new FurtherInformation(deps, await ownReport(deps.kv, reporterId, reportId))
  }

  /** Number of attachments stored so far. */
  get attachmentCount (): number {
    return this.#items.count('attachment')
  }

  /** Streams an attachment through encryption into the store. */
  async addAttachment (originalName: string, source: AsyncIterable<Uint8Array>): Promise<void> {
    await this.#items.addFile(source, originalName, forceRecipients(this.#deps.recipients, this.#report.force))
  }

  /** Encrypts the message (if any) and adds every item to the report; `channel` says how it came (online unless given). */
  async commit (message: string, options: { channel?: Channel } = {}): Promise<void> {
    const recipients = forceRecipients(this.#deps.recipients, this.#report.force)
    if (message.trim() !== '') {
      const text = [
        'CANDOUR FURTHER INFORMATION',
        `Report id: ${this.#report.id}`,
        `Force: ${findForce(this.#report.force)?.name ?? this.#report.force} (${this.#report.force})`,
        `Received (UTC date): ${this.#items.today}`,
        `Sent: ${options.channel === 'phone' ? 'by phone, written down by a call handler' : 'online'}`,
        `Attachments: ${this.attachmentCount}`,
        '',
        message,
        '',
      ].join('\n')
      await this.#items.addText('further-information', text, 'further-information.txt', recipients, { first: true })
    }
    // Checked in the same atomic step as the commit (issue 9): a transfer since the items were
    // encrypted would leave them readable by the old force and not by the new one.
    let moved = false
    const event = (force: string): StatsEvent => ({ e: 'further', m: monthOf(this.#items.today), f: force })
    const updated = await modifyRecord<ReportRecord>(this.#deps.kv, 'reports', this.#report.id, (current) => {
      moved = current !== undefined && current.force !== this.#report.force
      return current === undefined || moved
        ? undefined
        // Counted for the force that holds the report, in the same batch (issue 12).
        : { value: withEvent(current, { ...current, items: [...current.items, ...this.#items.items] }, event(current.force)), ops: [...this.#items.settleOps(), ...statsOps([event(current.force)])] }
    })
    if (updated === undefined) throw moved ? new CandourError('REPORT_MOVED', 'report moved to another force') : new CandourError('NOT_FOUND', 'report not found')
    this.#items.settled()
  }

  /** Removes everything stored (rejected or aborted). */
  async abandon (): Promise<void> {
    await this.#items.abandon()
  }
}
