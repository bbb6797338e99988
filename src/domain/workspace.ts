/**
 * The use cases of the reviewer workspace and of the command line's report
 * commands (issue 9): inbox, report page, bundle download, reply, status,
 * transfer, deletion, export, the unsuppressed statistics. Each one resolves its actor to the account as
 * the store holds it now (actors.ts), checks that its role allows the action
 * and that the report belongs to its force, acts, and appends its own audit
 * entry. An action that changes a report (reply, status, transfer, deletion)
 * writes its entry in the same batch as the change, so no crash or store
 * failure can leave it done but unaudited. Web handlers and CLI commands only
 * translate requests and arguments into these calls, so no entry point can
 * skip a check or the audit.
 *
 * A reviewer reaches only their own force's reports: any other id is
 * NOT_FOUND, the same answer as an id that does not exist. An administrator
 * sees every force's inbox and report metadata, and reads no report (every
 * reading or changing use case answers NOT_FOUND for them). The operator
 * acts on any report, as the holder of the server.
 */
import type { RecipientKeys } from '../crypto/keys.js'
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'
import { getReport, reportsOfForce, type Outcome, type ReportRecord, type ReportStatus } from '../store/records.js'
import { utcDate } from './dates.js'
import { accountOf, auditName, type Actor, type OperatorActor, type ReviewerActor } from './actors.js'
import { appendAudit } from './audit.js'
import { zipBundle, type ZipBytes, type ZipStream } from './bundle-zip.js'
import { bundleFiles, type BundleFile } from './bundles.js'
import { deleteReport } from './deletion.js'
import { findForce } from './forces.js'
import { inboxPage, type InboxPage } from './inbox.js'
import { getSeen, markLooked, type SeenRecord } from './last-looked.js'
import { checkArea, checkQuery, NATIONAL, readFigures, type OwnFigures, type StatsQuery } from './statistics/own-figures.js'
import { addReply } from './replies.js'
import { accountRole, type ReviewerRecord } from './reviewers.js'
import { setStatus, statusDetail } from './triage.js'
import { transferLimit, transferReport } from './transfer.js'
import { viewerOf, type KeyWarnings, type Viewer } from './viewer.js'

export type { Outcome, ReportRecord, ReportStatus, Viewer }

const REPORT_ID = /^[0-9a-f]{24}$/

/** Where the recipient keys of forces come from: the server's keyring, or the key files read by the command line. */
export type RecipientSource = (forces: readonly string[]) => Promise<ReadonlyMap<string, RecipientKeys>>

/** What the use cases need from the running service or the command line. */
export interface WorkspaceDeps {
  readonly kv: Kv
  readonly recipients: RecipientSource
  /** The unit key warnings pages show (the running service's; the command line shows no page). */
  readonly keyWarnings?: KeyWarnings
  /** The clock "the current month" is taken from (tests move it on). */
  readonly now?: () => Date
}

/** What the inbox asks for; `force` is an administrator's choice (a reviewer's is always their own). */
export interface InboxRequest {
  readonly force?: string
  readonly status?: ReportStatus
  readonly category?: string
  readonly after?: string
  readonly before?: string
}

/** What an export writes for one report: true when it was written (not already there). */
export type ExportWriter = (report: ReportRecord, files: readonly BundleFile[]) => Promise<boolean>

function notFound (): CandourError {
  return new CandourError('NOT_FOUND', 'report not found')
}

/** The workspace's use cases, one instance per process (service.ts) or command. */
export class Workspace {
  readonly #kv: Kv
  readonly #recipients: RecipientSource
  readonly #keyWarnings: KeyWarnings | undefined
  readonly #now: () => Date

  constructor (deps: WorkspaceDeps) {
    this.#kv = deps.kv
    this.#recipients = deps.recipients
    this.#keyWarnings = deps.keyWarnings
    this.#now = deps.now ?? (() => new Date())
  }

  /** The account behind a session, as it is now (SESSION_ENDED otherwise). */
  async viewer (actor: ReviewerActor): Promise<Viewer> {
    return this.#viewer(await this.#account(actor))
  }

  /** A page of a force's inbox: a reviewer's own force; the force an administrator chose (none: no page). */
  async inbox (actor: ReviewerActor, request: InboxRequest): Promise<{ viewer: Viewer; force?: string; page?: InboxPage }> {
    const account = await this.#account(actor)
    if (account.admin && request.force !== undefined && findForce(request.force) === undefined) throw new CandourError('VALIDATION_FAILED', 'unknown force')
    const force = account.admin ? request.force : account.force ?? undefined
    if (force === undefined) return { viewer: this.#viewer(account) }
    const { force: _chosen, ...filters } = request
    const page = await inboxPage(this.#kv, { force, ...filters }, account.admin ? undefined : account.username)
    return { viewer: this.#viewer(account), force, page }
  }

  /**
   * The report for its page. A reviewer's look is noted (what is new is
   * measured from it) and their previous look returned; an administrator
   * sees any force's report, and nothing is noted.
   */
  async openReport (actor: ReviewerActor, reportId: string): Promise<{ viewer: Viewer; report: ReportRecord; seen?: SeenRecord }> {
    const account = await this.#account(actor)
    const report = REPORT_ID.test(reportId) ? await getReport(this.#kv, reportId) : undefined
    if (report === undefined || (!account.admin && report.force !== account.force)) throw notFound()
    if (account.admin) return { viewer: this.#viewer(account), report }
    const seen = await getSeen(this.#kv, account.username, report.id)
    await markLooked(this.#kv, account.username, report, { downloaded: false })
    return { viewer: this.#viewer(account), report, ...(seen === undefined ? {} : { seen }) }
  }

  /** The reviewer's own force's report, to show a form again or confirm an action; looks at nothing. */
  async reportForForm (actor: ReviewerActor, reportId: string): Promise<{ viewer: Viewer; report: ReportRecord; transferLimit: number }> {
    const { account, report } = await this.#ownReport(actor, reportId)
    return { viewer: this.#viewer(account), report, transferLimit: transferLimit(report) }
  }

  /** The report's bundle as a zip stream for the offline machine; noted as downloaded and audited. */
  async download (actor: ReviewerActor, reportId: string): Promise<{ report: ReportRecord; zip: ZipStream }> {
    const { account, report } = await this.#ownReport(actor, reportId)
    const zip = zipBundle(bundleFiles(this.#kv, report), report.received)
    await markLooked(this.#kv, account.username, report, { downloaded: true })
    await appendAudit(this.#kv, { actor: account.username, action: 'download', report: report.id })
    return { report, zip }
  }

  /**
   * A reply to a report (a copy for the reporter, one for the force); audited.
   * REPORT_MOVED when the report went to another force while the reply was
   * being encrypted: nothing is kept, and the reply may be sent again.
   */
  async reply (actor: Actor, reportId: string, text: string): Promise<string> {
    const report = await this.#actingOn(actor, reportId)
    return addReply(this.#kv, await this.#recipients([report.force]), report.id, text, { force: report.force, audit: { actor: auditName(actor), action: 'reply', report: report.id } })
  }

  /** Moves the report's status (with an outcome when closing); audited. */
  async setStatus (actor: ReviewerActor, reportId: string, status: ReportStatus, outcome?: Outcome): Promise<void> {
    const { account, report } = await this.#ownReport(actor, reportId)
    await setStatus(this.#kv, account.force!, report.id, status, outcome, { audit: { actor: account.username, action: 'status', report: report.id, detail: statusDetail(status, outcome) } })
  }

  /** Deletes the report and all its ciphertext; audited. */
  async deleteReport (actor: ReviewerActor, reportId: string): Promise<void> {
    const { account, report } = await this.#ownReport(actor, reportId)
    await deleteReport(this.#kv, account.force!, report.id, { audit: { actor: account.username, action: 'delete', report: report.id } })
  }

  /** Transfers the report to another force with a bundle re-encrypted offline; audited. */
  async transfer (actor: ReviewerActor, reportId: string, to: string, bundle: ZipBytes): Promise<void> {
    const { account, report } = await this.#ownReport(actor, reportId)
    await transferReport(this.#kv, await this.#recipients([to]), { reportId: report.id, from: account.force!, to, bundle }, { audit: { actor: account.username, action: 'transfer', report: report.id, detail: to } })
  }

  /** Hands every report of a force to `write` (the command line's folder writer); each one written is audited. */
  async exportForce (actor: OperatorActor, force: string, write: ExportWriter): Promise<number> {
    if (actor.kind !== 'operator') throw new CandourError('NOT_FOUND', 'not found')
    if (findForce(force) === undefined) throw new CandourError('FORCE_UNKNOWN', 'unknown force')
    let count = 0
    for await (const report of reportsOfForce(this.#kv, force)) {
      if (!await write(report, bundleFiles(this.#kv, report))) continue
      await appendAudit(this.#kv, { actor: 'cli', action: 'export', report: report.id, detail: force })
      count++
    }
    return count
  }

  /**
   * The unsuppressed statistics (issue 12), the current month included: a
   * reviewer their own force's only (another force is NOT_FOUND, as for its
   * reports); an administrator and the operator any force or the national
   * figures (national when no area is given). The months are the financial
   * year so far unless the query says. Audited as `statistics` with the area.
   */
  async statistics (actor: Actor, query: StatsQuery): Promise<{ viewer?: Viewer; figures: OwnFigures }> {
    const account = actor.kind === 'reviewer' ? await this.#account(actor) : undefined
    const own = account === undefined || account.admin ? undefined : account.force ?? undefined
    const area = query.area ?? own ?? NATIONAL
    checkArea(area)
    if (account !== undefined && !account.admin && area !== own) throw new CandourError('NOT_FOUND', 'statistics not found')
    const { query: range, months } = checkQuery(query, utcDate(this.#now()))
    await appendAudit(this.#kv, { actor: auditName(actor), action: 'statistics', detail: area })
    const figures = await readFigures(this.#kv, area, range, months)
    return { ...(account === undefined ? {} : { viewer: this.#viewer(account) }), figures }
  }

  // The page's viewer, with the key warnings it is to see (issue 14).
  #viewer (account: ReviewerRecord): Viewer {
    return viewerOf(account, this.#keyWarnings)
  }

  // The account as it is now; a call handler's reaches no inbox or report (issue 11): NOT_FOUND, as for a page that does not exist.
  async #account (actor: ReviewerActor): Promise<ReviewerRecord> {
    const account = await accountOf(this.#kv, actor)
    if (accountRole(account) === 'call-handler') throw notFound()
    return account
  }

  // The report of the reviewer's own force; NOT_FOUND for an administrator (who reads no report) or any other id.
  async #ownReport (actor: ReviewerActor, reportId: string): Promise<{ account: ReviewerRecord; report: ReportRecord }> {
    const account = await this.#account(actor)
    if (account.admin || account.force === null || !REPORT_ID.test(reportId)) throw notFound()
    const report = await getReport(this.#kv, reportId)
    if (report === undefined || report.force !== account.force) throw notFound()
    return { account, report }
  }

  // The report a reviewer (their own force's) or the operator (any) acts on.
  async #actingOn (actor: Actor, reportId: string): Promise<ReportRecord> {
    if (actor.kind === 'reviewer') return (await this.#ownReport(actor, reportId)).report
    const report = REPORT_ID.test(reportId) ? await getReport(this.#kv, reportId) : undefined
    if (report === undefined) throw notFound()
    return report
  }
}
