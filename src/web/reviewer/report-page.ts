/**
 * The report page of the reviewer workspace, shared by the routes that show
 * it (report.ts) and those that show it again with a form's errors (report.ts,
 * transfer.ts). It holds plaintext metadata only: closed values, UTC dates and
 * sizes. An administrator gets the metadata without any form or download.
 */
import type { Context } from 'koa'
import { bundleEntries } from '../../domain/bundles.js'
import { newsOf, type SeenRecord } from '../../domain/last-looked.js'
import { reporterState } from '../../domain/reporter-view.js'
import { OUTCOMES, nextStatuses } from '../../domain/triage.js'
import { CandourError } from '../../errors.js'
import { getReport, type ReportRecord } from '../../store/records.js'
import type { WebDeps } from '../deps.js'
import type { FieldError } from '../render.js'
import type { Session } from '../sessions.js'
import { reviewerContext, type ReviewerPrincipal } from './auth.js'

const REPORT_ID = /^[0-9a-f]{24}$/

/** Notices the report page shows after a redirect (?done=). */
export const REPORT_NOTICES = new Set(['reply-sent', 'status-changed'])

/**
 * The report with this id as the principal may see it: a reviewer only their
 * own force's, an administrator any. NOT_FOUND otherwise, the same answer as
 * for an id that does not exist.
 */
export async function visibleReport (deps: WebDeps, principal: ReviewerPrincipal, id: string): Promise<ReportRecord> {
  const report = REPORT_ID.test(id) ? await getReport(deps.submissionDeps.kv, id) : undefined
  if (report === undefined || (!principal.admin && report.force !== principal.force)) throw new CandourError('NOT_FOUND', 'report not found')
  return report
}

/** The report of the reviewer's own force; NOT_FOUND for an administrator, who reads no report, or any other id. */
export async function ownForceReport (deps: WebDeps, principal: ReviewerPrincipal, id: string): Promise<ReportRecord> {
  if (principal.admin || principal.force === null) throw new CandourError('NOT_FOUND', 'report not found')
  return visibleReport(deps, principal, id)
}

/** What the page shows beyond the report itself. */
export interface ReportPageExtras {
  readonly errors?: readonly FieldError[]
  readonly values?: Readonly<Record<string, string>>
  readonly notice?: string
  /** The reviewer's last look before this one (undefined: never looked, or an administrator). */
  readonly seen?: SeenRecord
}

/** Renders the report page (with the given status, 200 unless a form is shown again with errors). */
export function renderReportPage (ctx: Context, deps: WebDeps, session: Session<ReviewerPrincipal>, report: ReportRecord, extras: ReportPageExtras = {}, status = 200): void {
  const reader = !session.data.admin
  const entries = bundleEntries(report)
  const news = reader ? newsOf(report, extras.seen) : undefined
  // Further information the reviewer has not downloaded yet: the follow-ups after the count at their last download.
  let followUps = 0
  const isNew = (followUp: boolean): boolean => followUp && extras.seen?.downloaded === true && followUps++ >= extras.seen.followUps
  const view = {
    id: report.id,
    forceName: deps.forces.name(report.force),
    category: report.category,
    channel: report.channel,
    urgent: report.urgent,
    status: report.status,
    ...(report.outcome === undefined ? {} : { outcome: report.outcome }),
    received: report.received,
    ...(report.transferredFrom === undefined ? {} : { transferredFrom: deps.forces.name(report.transferredFrom), transferred: report.transferred }),
    reporterState: reporterState(report.status),
    items: report.items.map((item, index) => ({
      file: entries[index]!.name,
      kind: item.kind,
      size: item.size,
      received: item.received,
      followUp: item.followUp === true,
      isNew: isNew(item.followUp === true),
    })),
    replies: report.replies.map((reply, index) => ({ file: entries[report.items.length + index]!.name, date: reply.date, size: reply.forceSize, read: reply.read, deleted: reply.deleted })),
  }
  ctx.status = status
  ctx.type = 'text/html; charset=utf-8'
  ctx.body = deps.render('reviewer/report.njk', {
    ...reviewerContext(session),
    report: view,
    reader,
    ...(news === undefined ? {} : { news }),
    nextStatuses: nextStatuses(report.status),
    outcomes: OUTCOMES,
    transferForces: deps.forces.list().filter((force) => force.available && force.id !== report.force).map((force) => ({ id: force.id, name: force.name })),
    errors: extras.errors ?? [],
    values: extras.values ?? {},
    ...(extras.notice === undefined ? {} : { notice: extras.notice }),
  })
}
