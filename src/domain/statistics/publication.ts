/**
 * The public statistics (issue 12): completed months only, every small
 * number and its complements suppressed (disclosure.ts), months, quarters and
 * financial years, national and per force. Built from the counters alone, in
 * a bounded number of range reads (one per area) that does not depend on how
 * many reports the store holds; cached until the UTC date or the counters'
 * generation (moved by `stats rebuild`) changes.
 */
import type { Kv } from '../../store/kv.js'
import { NATIONAL, readUnitCounters, type UnitCounts } from '../../store/stats.js'
import { utcDate } from '../dates.js'
import { FORCES } from '../forces.js'
import { suppress, type Relation } from './disclosure.js'
import { MEASURES, MEASURE_RELATIONS } from './measures.js'
import { addMonths, financialYearStart, monthRange, periodsWithin, type Period } from './periods.js'
import { statsGeneration } from './counters.js'

export { NATIONAL }

/** The areas published: the nation, then every force (in the order reporters see them). */
export const AREAS: readonly string[] = Object.freeze([NATIONAL, ...FORCES.map((force) => force.id)])

/** One published figure: a count, or null when suppressed. */
export interface PublishedCell {
  readonly value: number | null
  readonly suppressed: boolean
}

/** Everything published at one moment. */
export interface PublicDataset {
  /** The last completed month (nothing later is ever published), or undefined before the first. */
  readonly lastMonth: string | undefined
  /** Published periods: months, then quarters, then financial years, each oldest first. */
  readonly periods: readonly Period[]
  /** The figure of an area for a period and measure. */
  cell (periodId: string, area: string, measure: string): PublishedCell
}

const cellId = (area: string, measure: string): string => `${area}\t${measure}`

/** The additive relations of one month's table (every area and measure). */
export function monthRelations (): Relation[] {
  const forces = AREAS.filter((area) => area !== NATIONAL)
  const relations: Relation[] = MEASURES.map((measure) => ({ total: cellId(NATIONAL, measure), parts: forces.map((force) => cellId(force, measure)) }))
  for (const area of AREAS) {
    for (const relation of MEASURE_RELATIONS) relations.push({ total: cellId(area, relation.total), parts: relation.parts.map((part) => cellId(area, part)) })
  }
  // Every transfer leaves one force and reaches another.
  relations.push({ total: cellId(NATIONAL, 'transferred-out'), parts: [cellId(NATIONAL, 'transferred-in')] })
  return relations
}

const EMPTY: PublicDataset = { lastMonth: undefined, periods: [], cell: () => ({ value: 0, suppressed: false }) }

/** Builds the public dataset as of `today` (YYYY-MM-DD) from the counters. */
export async function buildPublicDataset (kv: Kv, today: string): Promise<PublicDataset> {
  const lastMonth = addMonths(today.slice(0, 7), -1)
  const national = await readUnitCounters(kv, NATIONAL, '0000-01', lastMonth)
  const first = [...national.keys()].sort()[0]
  if (first === undefined) return { ...EMPTY, lastMonth }
  const from = `${financialYearStart(first)}-04`
  const counts = new Map<string, UnitCounts>([[NATIONAL, national]])
  for (const area of AREAS) if (area !== NATIONAL) counts.set(area, await readUnitCounters(kv, area, from, lastMonth))
  const relations = monthRelations()

  // month -> cell id -> value, and month -> suppressed cell ids.
  const values = new Map<string, Map<string, number>>()
  const hidden = new Map<string, Set<string>>()
  for (const month of monthRange(from, lastMonth)) {
    const block = new Map<string, number>()
    for (const area of AREAS) {
      const row = counts.get(area)!.get(month)
      for (const measure of MEASURES) block.set(cellId(area, measure), row?.get(measure) ?? 0)
    }
    values.set(month, block)
    hidden.set(month, suppress(block, relations))
  }
  const periods = periodsWithin(from, lastMonth)
  const byId = new Map(periods.map((period) => [period.id, period]))
  return {
    lastMonth,
    periods,
    cell (periodId, area, measure) {
      const period = byId.get(periodId)
      if (period === undefined) throw new TypeError('period not published')
      const id = cellId(area, measure)
      // A quarter or year is suppressed exactly when one of its months is (see disclosure.ts).
      if (period.months.some((month) => hidden.get(month)!.has(id))) return { value: null, suppressed: true }
      let sum = 0
      for (const month of period.months) sum += values.get(month)!.get(id) ?? 0
      return { value: sum, suppressed: false }
    },
  }
}

/** The public dataset, rebuilt when the UTC date or the counters' generation changes. */
export class PublicStatistics {
  readonly #kv: Kv
  readonly #now: () => Date
  #cached: { key: string; dataset: Promise<PublicDataset> } | undefined

  constructor (kv: Kv, options: { now?: () => Date } = {}) {
    this.#kv = kv
    this.#now = options.now ?? (() => new Date())
  }

  /** The dataset as published now: one read of the generation, and a rebuild only when it or the date moved. */
  async current (): Promise<PublicDataset> {
    const key = `${utcDate(this.#now())}\n${await statsGeneration(this.#kv)}`
    if (this.#cached?.key !== key) {
      const dataset = buildPublicDataset(this.#kv, utcDate(this.#now()))
      this.#cached = { key, dataset }
      dataset.catch(() => { if (this.#cached?.dataset === dataset) this.#cached = undefined })
    }
    return this.#cached.dataset
  }
}
