/**
 * Triage (issue 4): a report's status moves `new` -> `assessing` -> `closed`,
 * and closing records exactly one outcome. A closed report may be reopened
 * (back to `assessing`, the outcome cleared) when something new comes in. The
 * reporter sees only the coarse state that reporterState() maps each status
 * to; the outcome stays with the force.
 */
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'
import { auditedCommit, type AuditInput } from './audit.js'
import { utcDate } from './dates.js'
import { modifyReport, type Outcome, type ReportRecord, type ReportStatus } from '../store/records.js'
import { monthOf, statsOps, withEvent, type StatsEvent } from '../store/stats.js'

/** The outcomes a force records when it closes a report, in the order the form offers them. */
export const OUTCOMES: readonly Outcome[] = Object.freeze(['investigation', 'safeguarding', 'intelligence', 'passed-to-another-force', 'no-further-action'])

/** The moves a status may make. */
const MOVES: Readonly<Record<ReportStatus, readonly ReportStatus[]>> = { new: ['assessing'], assessing: ['closed'], closed: ['assessing'] }

/** Whether `value` is an outcome. */
export function isOutcome (value: string): value is Outcome {
  return (OUTCOMES as readonly string[]).includes(value)
}

/** The statuses a report in `status` may move to. */
export function nextStatuses (status: ReportStatus): readonly ReportStatus[] {
  return MOVES[status]
}

/** A status change as the audit log records it: the status, or `closed-<outcome>`. */
export function statusDetail (status: ReportStatus, outcome?: Outcome): string {
  return status === 'closed' ? `closed-${outcome!}` : status
}

/**
 * Moves a report of `force` to `status` (with `outcome` when closing).
 * NOT_FOUND when it is not that force's report; TRANSITION_INVALID when the
 * move is not allowed from where the report stands now (another reviewer may
 * have moved it meanwhile); VALIDATION_FAILED (field `outcome`) when closing
 * without one outcome, or giving one otherwise. With `options.audit`, the
 * entry is written in the same batch as the change: both or neither.
 */
export async function setStatus (kv: Kv, force: string, reportId: string, status: ReportStatus, outcome?: Outcome, options: { audit?: AuditInput } = {}): Promise<ReportRecord> {
  if ((status === 'closed') !== (outcome !== undefined)) throw new CandourError('VALIDATION_FAILED', 'an outcome goes with closing, and only then', { detail: { field: 'outcome' } })
  let refusal: CandourError | undefined
  const updated = await modifyReport(kv, reportId, (current) => {
    refusal = undefined
    if (current === undefined || current.force !== force) { refusal = new CandourError('NOT_FOUND', 'report not found'); return undefined }
    if (!MOVES[current.status].includes(status)) { refusal = new CandourError('TRANSITION_INVALID', 'status cannot move that way'); return undefined }
    const { outcome: _old, closed: _closed, ...rest } = current
    // The closing date starts the retention period (issue 14); reopening clears it.
    const today = utcDate()
    const next: ReportRecord = { ...rest, status, ...(outcome === undefined ? {} : { outcome, closed: today }) }
    // Closures and reopenings are counted in the batch that records them (issue 12).
    const month = monthOf(today)
    const event: StatsEvent | undefined = status === 'closed'
      ? { e: 'closed', m: month, f: current.force, o: outcome! }
      : current.status === 'closed' ? { e: 'reopened', m: month, f: current.force } : undefined
    return event === undefined ? { value: next } : { value: withEvent(current, next, event), ops: statsOps([event]) }
  }, auditedCommit(kv, options.audit))
  if (updated === undefined) throw refusal ?? new CandourError('NOT_FOUND', 'report not found')
  return updated
}
