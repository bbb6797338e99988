/**
 * The phone line (issue 11): what a call handler does, as use cases. Each one
 * resolves its actor to the account as the store holds it now (actors.ts:
 * SESSION_ENDED when removed, reset or replaced since login) and checks that
 * it is a call handler's (anything else answers NOT_FOUND, as for a page that
 * does not exist), then acts and writes its audit entry (a phone report in the
 * batch that stores it). Web handlers only translate HTTP into these calls.
 *
 * What links a handler to a caller: nothing that is kept. A report taken by
 * phone is stored exactly as an online one (same checks, same submission
 * path, channel `phone`); the audit log records, by date, only that a phone
 * report or a phone follow-up happened, with the actor `phone`, never the
 * handler's username and never a report or reporter id. The caller's
 * identity (reporter id and unlocked reply key) lives in server memory for
 * the length of one call (see web/intake/caller-views.ts) and is never written.
 */
import { CandourError, isCandourError } from '../errors.js'
import type { Channel } from '../store/records.js'
import { accountOf, type ReviewerActor } from './actors.js'
import { appendAudit } from './audit.js'
import { utcDate } from './dates.js'
import { TRIAGE_ID, findForce } from './forces.js'
import { FurtherInformation, ownReport } from './further-information.js'
import type { DerivationQueue } from './derivation-queue.js'
import { deleteReporterCopy } from './replies.js'
import { checkAnswers, type AnswerLimits, type ForceAvailability, type Problem, type RawAnswers } from './report-answers.js'
import { reporterReports, type ReporterReport } from './reporter-view.js'
import { authenticate, codenameShape, type ReporterIdentity } from './reporters.js'
import { accountRole } from './reviewers.js'
import { Submission, type SubmissionDeps } from './submissions.js'
import type { Viewer } from './viewer.js'

/** The audit log's actor for everything done on the phone line: never a handler's username. */
export const PHONE_ACTOR = 'phone'

const CHANNEL: Channel = 'phone'

/** What the phone line needs from the running service. */
export interface PhoneLineDeps {
  readonly submission: SubmissionDeps
  readonly forces: ForceAvailability
  readonly limits: AnswerLimits
  /** The slots codename derivations run in: a returning caller's codename waits in the same login queue as online logins. */
  readonly derivations: DerivationQueue
}

/**
 * The outcome of a report taken by phone. `busy`: nothing was stored, because
 * the caller's codename had to be made on the spot and too many wait for one;
 * the same answers sent again a little later make one report, not two.
 */
export type PhoneReportOutcome =
  | { readonly ok: true; readonly codename: string; readonly force: string; readonly triage: boolean; readonly urgent: boolean }
  | { readonly ok: false; readonly busy: false; readonly problems: readonly Problem[] }
  | { readonly ok: false; readonly busy: true }

/** The outcome of a codename read out by a returning caller. */
export type CallerOutcome =
  | { readonly ok: true; readonly identity: ReporterIdentity }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'not-recognised' }

/** Further information typed from a call: stored, or why not. */
export type FurtherOutcome = { readonly ok: true } | { readonly ok: false; readonly problem: 'missing' | 'too-long' }

// Counted in code points, as the online form counts them.
function length (text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

/** The phone line's use cases, one instance per process (service.ts). */
export class PhoneLine {
  readonly #deps: PhoneLineDeps

  constructor (deps: PhoneLineDeps) {
    this.#deps = deps
  }

  /**
   * The handler's account as it is now, for the page header: SESSION_ENDED when
   * it was removed, reset or replaced since login; NOT_FOUND when it is not a
   * call handler's (these pages do not exist for anyone else).
   */
  async viewer (actor: ReviewerActor): Promise<Viewer> {
    const account = await accountOf(this.#deps.submission.kv, actor)
    if (accountRole(account) !== 'call-handler') throw new CandourError('NOT_FOUND', 'not found')
    return { username: account.username, force: null, admin: false, callHandler: true }
  }

  /**
   * Takes a report by phone: the same checks as the online form, the same
   * submission path (encrypted to the force's or the triage unit's keys as it
   * is stored), a new codename for the caller, channel `phone`. No attachments.
   * When the new-reporter queue is full (BUSY), nothing is kept and the outcome
   * says so, for the handler to send the same answers again (issue 11).
   */
  async takeReport (actor: ReviewerActor, raw: RawAnswers, options: { truncated?: boolean } = {}): Promise<PhoneReportOutcome> {
    await this.viewer(actor)
    const checked = checkAnswers(raw, this.#deps.forces, this.#deps.limits, utcDate())
    const problems = checked.problems.slice()
    if (options.truncated === true && !problems.some((p) => p.field === 'message')) problems.push({ field: 'message', code: 'too-long' })
    if (checked.answers === undefined || problems.length > 0) return { ok: false, busy: false, problems }
    const submission = new Submission(this.#deps.submission)
    let receipt
    try {
      // No admission (CodenameReserve.admit), unlike the online form: admitting spares an upload's body
      // from being read and then refused, but this body is a few KiB, read already, and goes back into
      // the form. An admission is unbounded by the queue; only the upload gate bounds the online ones.
      // Audited in the batch that stores the report: no phone report without its entry, nor the reverse.
      receipt = await submission.commit(checked.answers, { channel: CHANNEL, audit: { actor: PHONE_ACTOR, action: 'phone-report' } })
    } catch (err) {
      await submission.abandon()
      // Refused before the batch that stores the report: the caller is still on the line, so the
      // handler is told to send again rather than lose the call (a limit must not lock callers out).
      if (isCandourError(err, 'BUSY')) return { ok: false, busy: true }
      throw err
    }
    return { ok: true, codename: receipt.codename!, force: checked.answers.force, triage: checked.answers.force === TRIAGE_ID, urgent: receipt.urgent }
  }

  /**
   * A returning caller reads out their codename: checked for shape before any
   * derivation, then derived in the same login queue, with the same bounds, as
   * an online login.
   */
  async openCaller (actor: ReviewerActor, codename: string): Promise<CallerOutcome> {
    await this.viewer(actor)
    const shape = codenameShape(codename)
    if (shape === 'missing') return { ok: false, reason: 'missing' }
    if (shape === 'invalid') return { ok: false, reason: 'invalid' }
    const { kv, peppers, scryptCost } = this.#deps.submission
    // The online login's queue and bounds (BUSY when full); no failure ceiling, as online (issue 9).
    const identity = shape === 'ok' ? await this.#deps.derivations.run('login', () => authenticate(kv, peppers, scryptCost, codename)) : undefined
    if (identity === undefined) return { ok: false, reason: 'not-recognised' }
    await appendAudit(kv, { actor: PHONE_ACTOR, action: 'phone-follow-up' })
    return { ok: true, identity }
  }

  /** What the caller would see on their reports page: coarse state and replies with their dates (reading marks them read, as online). */
  async callerReports (actor: ReviewerActor, caller: ReporterIdentity): Promise<ReporterReport[]> {
    await this.viewer(actor)
    return reporterReports(this.#deps.submission.kv, caller)
  }

  /** One of the caller's reports, as the further-information form names it; NOT_FOUND when it is not theirs. */
  async callerReport (actor: ReviewerActor, caller: ReporterIdentity, reportId: string): Promise<{ id: string; forceName: string; received: string }> {
    await this.viewer(actor)
    const report = await ownReport(this.#deps.submission.kv, caller.reporterId, reportId)
    return { id: report.id, forceName: findForce(report.force)?.name ?? report.force, received: report.received }
  }

  /** Adds further information typed from the call to one of the caller's reports (text only; NOT_FOUND if not theirs). */
  async addCallerInformation (actor: ReviewerActor, caller: ReporterIdentity, reportId: string, message: string, options: { truncated?: boolean } = {}): Promise<FurtherOutcome> {
    await this.viewer(actor)
    const text = message.replace(/\r\n?/g, '\n')
    const further = await FurtherInformation.open(this.#deps.submission, caller.reporterId, reportId)
    if (options.truncated === true || length(text) > this.#deps.limits.maxMessageChars) return { ok: false, problem: 'too-long' }
    if (text.trim() === '') return { ok: false, problem: 'missing' }
    try {
      await further.commit(text, { channel: CHANNEL })
    } catch (err) {
      await further.abandon()
      throw err
    }
    return { ok: true }
  }

  /** Deletes the caller's copy of a reply at their request; NOT_FOUND when it is not theirs. */
  async deleteCallerReply (actor: ReviewerActor, caller: ReporterIdentity, reportId: string, replyId: string): Promise<void> {
    await this.viewer(actor)
    if (!await deleteReporterCopy(this.#deps.submission.kv, caller.reporterId, reportId, replyId)) throw new CandourError('NOT_FOUND', 'reply not found')
  }
}
