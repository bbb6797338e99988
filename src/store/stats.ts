/**
 * Statistics counters (issue 12): what the public statistics and the force's
 * own figures are read from, so that reading a table is a bounded number of
 * range reads however many reports the store holds, never a scan of reports.
 *
 * Every event that statistics count (a report received, further information,
 * a closure with its outcome, a transfer, a reopening) is written twice in the
 * batch that records it: as an entry in the report's own `stats` history
 * (closed values and a month only), and as counter additions in the `stats`
 * space. A recount of the histories therefore equals the counters, which
 * `stats verify` proves. When a report is deleted its history is added to the
 * `stats-retired` aggregates in the same batch, so published figures for past
 * months never shrink when reports are deleted or purged, and no per-report
 * trace survives the deletion: only sums.
 *
 * Counter keys: `<unit>!<YYYY-MM>!<measure>`, where unit is a force id or
 * `national`; values are decimal strings; an absent key is zero.
 */
import type { BatchOp, Kv, Space } from './kv.js'
import type { Outcome, ReportRecord } from './records.js'

/** The unit of national totals, beside the force ids. */
export const NATIONAL = 'national'

/** One counted event, as the report's history keeps it: closed values and the UTC month. */
export type StatsEvent =
  | { readonly e: 'received'; readonly m: string; readonly f: string; readonly ch: string; readonly c: string; readonly u: boolean }
  | { readonly e: 'further'; readonly m: string; readonly f: string }
  | { readonly e: 'closed'; readonly m: string; readonly f: string; readonly o: Outcome }
  | { readonly e: 'transferred'; readonly m: string; readonly f: string; readonly to: string }
  | { readonly e: 'reopened'; readonly m: string; readonly f: string }

/** The UTC month (YYYY-MM) of a YYYY-MM-DD date. */
export function monthOf (date: string): string {
  return date.slice(0, 7)
}

/** The [unit, measure] pairs an event adds one to. */
export function eventCounts (event: StatsEvent): Array<readonly [string, string]> {
  const measures: string[] = []
  switch (event.e) {
    case 'received':
      measures.push('received', `received-${event.ch}`, `received-${event.c}`)
      if (event.u) measures.push('received-urgent')
      break
    case 'further': measures.push('further-information'); break
    case 'closed': measures.push('closed', `closed-${event.o}`); break
    case 'reopened': measures.push('reopened'); break
    case 'transferred':
      return [[event.f, 'transferred-out'], [event.to, 'transferred-in'], [NATIONAL, 'transferred-out'], [NATIONAL, 'transferred-in']]
  }
  return measures.flatMap((measure) => [[event.f, measure] as const, [NATIONAL, measure] as const])
}

/** The key of one counter. */
export function counterKey (unit: string, month: string, measure: string): string {
  return `${unit}!${month}!${measure}`
}

/** Batch operations adding (`sign` 1) or removing (-1) events to the counters of `space`. */
export function statsOps (events: readonly StatsEvent[], space: Space = 'stats', sign: 1 | -1 = 1): BatchOp[] {
  const sums = new Map<string, number>()
  for (const event of events) {
    for (const [unit, measure] of eventCounts(event)) {
      const key = counterKey(unit, event.m, measure)
      sums.set(key, (sums.get(key) ?? 0) + sign)
    }
  }
  return [...sums].map(([key, delta]): BatchOp => ({ type: 'add', space, key, delta }))
}

/**
 * The history of a report written before counters existed, derived from its
 * fields: received at the force it came from (the latest transfer's origin,
 * the only one recorded), one transfer, one further-information event per day
 * follow-ups arrived, and a closure dated by the latest date the record holds
 * (closure dates were not recorded). `stats rebuild` counts these.
 */
export function legacyHistory (report: ReportRecord): StatsEvent[] {
  const origin = report.transferredFrom ?? report.force
  const events: StatsEvent[] = [{ e: 'received', m: monthOf(report.received), f: origin, ch: report.channel, c: report.category, u: report.urgent }]
  if (report.transferredFrom !== undefined && report.transferred !== undefined) {
    events.push({ e: 'transferred', m: monthOf(report.transferred), f: report.transferredFrom, to: report.force })
  }
  const followUpDays = [...new Set(report.items.filter((item) => item.followUp === true).map((item) => item.received))].sort()
  for (const day of followUpDays) events.push({ e: 'further', m: monthOf(day), f: report.force })
  if (report.status === 'closed' && report.outcome !== undefined) {
    const dates = [report.received, report.transferred ?? '', ...report.items.map((i) => i.received), ...report.replies.map((r) => r.date)].sort()
    events.push({ e: 'closed', m: monthOf(dates[dates.length - 1]!), f: report.force, o: report.outcome })
  }
  return events
}

/** A report's counted history (derived once for a record written before counters existed). */
export function historyOf (report: ReportRecord): readonly StatsEvent[] {
  return report.stats ?? legacyHistory(report)
}

/**
 * `next` with `event` added to the history of `current`, the record it
 * replaces (a legacy history is derived from the record as it was, before
 * the change moves the fields it is derived from).
 */
export function withEvent (current: ReportRecord, next: ReportRecord, event: StatsEvent): ReportRecord {
  return { ...next, stats: [...historyOf(current), event] }
}

/** Counters of one unit, month -> measure -> count. */
export type UnitCounts = Map<string, Map<string, number>>

const decoder = new TextDecoder()

/** The counters of one unit for months `from`..`to` (YYYY-MM, inclusive): one range read. */
export async function readUnitCounters (kv: Kv, unit: string, from: string, to: string, space: Space = 'stats'): Promise<UnitCounts> {
  const out: UnitCounts = new Map()
  for await (const [key, raw] of kv.entries(space, { gte: `${unit}!${from}!`, lt: `${unit}!${to}!\uffff` })) {
    const [, month, measure] = key.split('!') as [string, string, string]
    let row = out.get(month)
    if (row === undefined) { row = new Map(); out.set(month, row) }
    row.set(measure, Number(decoder.decode(raw)))
  }
  return out
}

/** Every counter of a space as key -> count (verification and rebuild; bounded by units x months x measures). */
export async function readAllCounters (kv: Kv, space: Space = 'stats'): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for await (const [key, raw] of kv.entries(space)) out.set(key, Number(decoder.decode(raw)))
  return out
}
