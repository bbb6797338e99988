/**
 * Statistical periods: UTC calendar months, quarters and financial years
 * (April to March, as UK police statistics are published). Ids are stable,
 * as they appear in CSV and JSON: month `2025-04`, financial year `2025-26`,
 * quarter `2025-26-q1` (April to June 2025).
 */

/** The kinds of period. */
export type PeriodType = 'month' | 'quarter' | 'financial-year'

/** One period. */
export interface Period {
  readonly type: PeriodType
  readonly id: string
  /** Its months, YYYY-MM, in order. */
  readonly months: readonly string[]
  /** First and last UTC dates, YYYY-MM-DD. */
  readonly start: string
  readonly end: string
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/
const YEAR = /^(\d{4})-(\d{2})$/
const QUARTER = /^(\d{4})-(\d{2})-q([1-4])$/

/** Whether `value` is a YYYY-MM month. */
export function isMonth (value: string): boolean {
  return MONTH.test(value)
}

/** The month `n` months after `month` (n may be negative). */
export function addMonths (month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const index = y * 12 + (m - 1) + n
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`
}

/** Months from `from` to `to`, inclusive (empty when from is after to). */
export function monthRange (from: string, to: string): string[] {
  const out: string[] = []
  for (let month = from; month <= to; month = addMonths(month, 1)) out.push(month)
  return out
}

function lastDay (month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`
}

function fyId (startYear: number): string {
  return `${startYear}-${String((startYear + 1) % 100).padStart(2, '0')}`
}

/** The year a financial year containing `month` starts in. */
export function financialYearStart (month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return m >= 4 ? y : y - 1
}

function make (type: PeriodType, id: string, months: string[]): Period {
  return Object.freeze({ type, id, months: Object.freeze(months), start: `${months[0]!}-01`, end: lastDay(months[months.length - 1]!) })
}

/** The month period. */
export function monthPeriod (month: string): Period {
  return make('month', month, [month])
}

/** The quarter containing `month`. */
export function quarterOf (month: string): Period {
  const year = financialYearStart(month)
  const first = `${year}-04`
  const offset = (Number(month.slice(5, 7)) + 8) % 12
  const q = Math.floor(offset / 3) + 1
  return make('quarter', `${fyId(year)}-q${q}`, monthRange(addMonths(first, (q - 1) * 3), addMonths(first, (q - 1) * 3 + 2)))
}

/** The financial year containing `month`. */
export function financialYearOf (month: string): Period {
  const year = financialYearStart(month)
  return make('financial-year', fyId(year), monthRange(`${year}-04`, `${year + 1}-03`))
}

/** The period with this id, or undefined when it is not one. */
export function parsePeriod (id: string): Period | undefined {
  if (MONTH.test(id)) return monthPeriod(id)
  const quarter = QUARTER.exec(id)
  if (quarter !== null) {
    const start = Number(quarter[1])
    if (fyId(start) !== `${quarter[1]}-${quarter[2]}`) return undefined
    return quarterOf(addMonths(`${start}-04`, (Number(quarter[3]) - 1) * 3))
  }
  const year = YEAR.exec(id)
  if (year !== null && fyId(Number(year[1])) === id) return financialYearOf(`${year[1]}-04`)
  return undefined
}

/** Every month, quarter and financial year wholly inside `from`..`to`, months first, then quarters, then years, each oldest first. */
export function periodsWithin (from: string, to: string): Period[] {
  const months = monthRange(from, to)
  const inside = (period: Period): boolean => period.months[0]! >= from && period.months[period.months.length - 1]! <= to
  const quarters = new Map<string, Period>()
  const years = new Map<string, Period>()
  for (const month of months) {
    const quarter = quarterOf(month)
    if (inside(quarter)) quarters.set(quarter.id, quarter)
    const year = financialYearOf(month)
    if (inside(year)) years.set(year.id, year)
  }
  return [...months.map(monthPeriod), ...quarters.values(), ...years.values()]
}
