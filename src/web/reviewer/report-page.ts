/**
 * The report page of the reviewer workspace, shared by the routes that show
 * it (report.ts) and those that show it again with a form's errors (report.ts,
 * transfer.ts). It holds plaintext metadata only: closed values, UTC dates and
 * sizes. An administrator gets the metadata without any form or download.
 * Which report a viewer may see is the use cases' decision (domain/workspace.ts).
 */
import type { Context } from 'koa'
import { bundleEntries } from '../../domain/bundles.js'
import { newsOf, type SeenRecord } from '../../domain/last-looked.js'
import { reporterState } from '../../domain/reporter-view.js'
import { OUTCOMES, nextStatuses } from '../../domain/triage.js'
import type { ReportRecord, Viewer } from '../../domain/workspace.js'
import type { WebDeps } from '../deps.js'
import type { FieldError } from '../render.js'
import type { Session } from '../sessions.js'
import { reviewerContext } from './auth.js'

/** Notices the report page shows after a redirect (?done=). */
export const REPORT_NOTICES = new Set(['reply-sent', 'status-changed'])

/** What the page shows beyond the report itself. */
export interface ReportPageExtras {
  readonly errors?: readonly FieldError[]
  readonly values?: Readonly<Record<string, string>>
  readonly notice?: string
  /** The reviewer's last look before this one (undefined: never looked, or an administrator). */
  readonly seen?: SeenRecord
}

/** Renders the report page (with the given status, 200 unless a form is shown again with errors). */
export function renderReportPage (ctx: Context, deps: WebDeps, session: Session<unknown>, viewer: Viewer, report: ReportRecord, extras: ReportPageExtras = {}, status = 200): void {
  const reader = !viewer.admin
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
    ...reviewerContext(session, viewer),
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
