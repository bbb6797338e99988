/**
 * The unsuppressed figures (issue 12, items 5 and 6) of one area (a force or
 * the nation) for a range of months, the current month included. Who may see
 * which area, and the audit entry, belong to the use case that calls this:
 * `Workspace.statistics` (domain/workspace.ts), which both the workspace page
 * and `candour stats` go through.
 */
import { CandourError } from '../../errors.js'
import type { Kv } from '../../store/kv.js'
import { NATIONAL, readUnitCounters } from '../../store/stats.js'
import { isForceId } from '../forces.js'
import { MEASURES } from './measures.js'
import { financialYearStart, isMonth, monthRange, periodsWithin, type Period } from './periods.js'

export { NATIONAL }

/** What is asked: months `from`..`to` (YYYY-MM) of one area (a force id or `national`). */
export interface StatsQuery {
  /** Defaults to the first month of the current financial year (April). */
  readonly from?: string
  /** Defaults to the current month. */
  readonly to?: string
  /** Defaults to the reviewer's force, or national for an administrator or the command line. */
  readonly area?: string
}

/** A query with its months filled in. */
export type MonthRange = Required<Pick<StatsQuery, 'from' | 'to'>>

/** The longest range asked for at once, in months: ten years, so a read stays bounded. */
export const MAX_MONTHS = 120

/** The figures of one area: months, and every quarter and financial year wholly inside the range. */
export interface OwnFigures {
  readonly area: string
  readonly from: string
  readonly to: string
  /** Months, then quarters, then financial years inside the range. */
  readonly periods: readonly Period[]
  readonly measures: readonly string[]
  /** The count of a period (or 'total' for the whole range) and measure. */
  value (periodId: string, measure: string): number
}

function invalid (field: string): CandourError {
  return new CandourError('VALIDATION_FAILED', 'bad statistics query', { detail: { field } })
}

/** Whether `area` names a force or the nation; FORCE_UNKNOWN otherwise. */
export function checkArea (area: string): void {
  if (area !== NATIONAL && !isForceId(area)) throw new CandourError('FORCE_UNKNOWN', 'unknown force', { detail: { field: 'force' } })
}

/**
 * A query's range (the financial year so far unless given) and its months,
 * first to last. VALIDATION_FAILED for a
 * malformed month, a range that runs backwards or past `today`'s month (there
 * is nothing to count yet), or one longer than MAX_MONTHS.
 */
export function checkQuery (asked: StatsQuery, today: string): { query: MonthRange; months: string[] } {
  const thisMonth = today.slice(0, 7)
  const query = { from: asked.from ?? `${financialYearStart(thisMonth)}-04`, to: asked.to ?? thisMonth }
  if (!isMonth(query.from)) throw invalid('from')
  if (!isMonth(query.to) || query.to < query.from || query.to > today.slice(0, 7)) throw invalid('to')
  const months = monthRange(query.from, query.to)
  if (months.length > MAX_MONTHS) throw invalid('to')
  return { query, months }
}

/** The figures of an area the caller allowed, for a checked query (see checkQuery): one range read of its counters. */
export async function readFigures (kv: Kv, area: string, query: MonthRange, months: readonly string[]): Promise<OwnFigures> {
  const counts = await readUnitCounters(kv, area, query.from, query.to)
  const periods = periodsWithin(query.from, query.to)
  const byId = new Map(periods.map((period) => [period.id, period.months]))
  byId.set('total', months)
  return {
    area,
    from: query.from,
    to: query.to,
    periods,
    measures: MEASURES,
    value (periodId, measure) {
      const list = byId.get(periodId)
      if (list === undefined) throw new TypeError('period outside the range')
      let sum = 0
      for (const month of list) sum += counts.get(month)?.get(measure) ?? 0
      return sum
    },
  }
}
