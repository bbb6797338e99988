/** What a logged-in reporter sees of their reports: force, date, a coarse state, and the replies. */
import type { Kv } from '../store/kv.js'
import { getReport, getReporter, type ReportRecord } from '../store/records.js'
import { complaintsBody, findForce, type ComplaintsBody } from './forces.js'
import { readReplies, type ReadableReply } from './replies.js'
import type { ReporterIdentity } from './reporters.js'

/** The state a reporter sees; the force's internal outcome never shows. */
export type ReporterState = 'received' | 'assessing' | 'closed'

const STATES: Record<ReportRecord['status'], ReporterState> = { new: 'received', assessing: 'assessing', closed: 'closed' }

/** One report as its reporter sees it. */
export interface ReporterReport {
  readonly id: string
  readonly forceName: string
  /** Where complaints about the force go (undefined for a force no longer known). */
  readonly complaintsBody: ComplaintsBody | undefined
  readonly received: string
  readonly state: ReporterState
  readonly replies: readonly ReadableReply[]
}

/** The coarse state shown to the reporter for a status. */
export function reporterState (status: ReportRecord['status']): ReporterState {
  return STATES[status]
}

/** The reporter's reports, newest first, replies decrypted. */
export async function reporterReports (kv: Kv, identity: ReporterIdentity): Promise<ReporterReport[]> {
  const reporter = await getReporter(kv, identity.reporterId)
  if (reporter === undefined) return []
  const out: ReporterReport[] = []
  for (const id of [...reporter.reports].reverse()) {
    const report = await getReport(kv, id)
    // A report deleted by its force, or no longer this reporter's, is simply not listed.
    if (report === undefined || report.reporter !== identity.reporterId) continue
    out.push({
      id: report.id,
      forceName: findForce(report.force)?.name ?? report.force,
      complaintsBody: complaintsBody(report.force),
      received: report.received,
      state: reporterState(report.status),
      replies: await readReplies(kv, report, identity.replyKey),
    })
  }
  return out
}
