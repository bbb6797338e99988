/**
 * What the statistics templates are given: tables of cells with their bar
 * widths, period labels in parts the catalogue orders, and the choices of the
 * area-and-period form. Shared by the public page (suppressed figures) and the
 * workspace page (unsuppressed ones).
 */
import { OUTCOMES } from '../../domain/triage.js'
import { CATEGORIES } from '../../domain/categories.js'
import { CHANNELS } from '../../domain/statistics/measures.js'
import type { Period } from '../../domain/statistics/periods.js'

/** One figure as a template shows it. */
export interface CellView {
  readonly measure: string
  /** null when suppressed. */
  readonly value: number | null
  readonly suppressed: boolean
  /** Bar width in 5% steps (0 to 100), relative to the largest figure of its table. */
  readonly bar: number
}

/** One table: an id (its heading and caption keys) and its rows. */
export interface TableView {
  readonly id: string
  readonly rows: readonly CellView[]
}

/** A period's label in parts: `statistics.period.<type>` orders them. */
export interface PeriodView {
  readonly id: string
  readonly type: Period['type']
  readonly firstMonth: number
  readonly lastMonth: number
  readonly firstYear: string
  readonly lastYear: string
}

/** The tables of the page, by topic. */
export const TABLES: ReadonlyArray<{ readonly id: string; readonly measures: readonly string[] }> = Object.freeze([
  { id: 'received', measures: ['received', ...CHANNELS.map((c) => `received-${c}`), 'received-urgent', 'further-information'] },
  { id: 'categories', measures: Object.keys(CATEGORIES).map((c) => `received-${c}`) },
  { id: 'outcomes', measures: ['closed', ...OUTCOMES.map((o) => `closed-${o}`)] },
  { id: 'movement', measures: ['transferred-out', 'transferred-in', 'reopened'] },
])

/** Bar widths for a list of figures: in 5% steps of the largest published one. */
export function withBars<T extends { value: number | null }> (cells: readonly T[]): Array<T & { bar: number }> {
  const max = Math.max(0, ...cells.map((cell) => cell.value ?? 0))
  return cells.map((cell) => ({ ...cell, bar: max === 0 || cell.value === null ? 0 : Math.round((cell.value / max) * 20) * 5 }))
}

/** The tables of one area and period, from a function giving each measure's figure. */
export function tablesOf (figure: (measure: string) => { value: number | null; suppressed: boolean }): TableView[] {
  return TABLES.map((table) => ({ id: table.id, rows: withBars(table.measures.map((measure) => ({ measure, ...figure(measure) }))) }))
}

/** A period as the templates label it. */
export function periodView (period: Period): PeriodView {
  const first = period.months[0]!
  const last = period.months[period.months.length - 1]!
  return { id: period.id, type: period.type, firstMonth: Number(first.slice(5, 7)), lastMonth: Number(last.slice(5, 7)), firstYear: first.slice(0, 4), lastYear: last.slice(0, 4) }
}
