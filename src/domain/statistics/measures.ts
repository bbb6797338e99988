/**
 * What the statistics count, in the order tables show it, and the additive
 * relations between measures that disclosure control must respect.
 */
import { CHANNELS } from '../../store/records.js'
export { CHANNELS }
import { CATEGORIES } from '../categories.js'
import { OUTCOMES } from '../triage.js'


const CATEGORY_IDS = Object.keys(CATEGORIES)

/** Every published measure, in table order. Names are stable: they are CSV and JSON values. */
export const MEASURES: readonly string[] = Object.freeze([
  'received',
  ...CHANNELS.map((channel) => `received-${channel}`),
  ...CATEGORY_IDS.map((category) => `received-${category}`),
  'received-urgent',
  'further-information',
  'closed',
  ...OUTCOMES.map((outcome) => `closed-${outcome}`),
  'transferred-out',
  'transferred-in',
  'reopened',
])

/** A relation between measures of one area and period: total = the sum of parts. */
export interface MeasureRelation {
  readonly total: string
  readonly parts: readonly string[]
}

/** The exact sums among measures of one area: every report has one channel and one category; every closure one outcome. */
export const MEASURE_RELATIONS: readonly MeasureRelation[] = Object.freeze([
  { total: 'received', parts: CHANNELS.map((channel) => `received-${channel}`) },
  { total: 'received', parts: CATEGORY_IDS.map((category) => `received-${category}`) },
  { total: 'closed', parts: OUTCOMES.map((outcome) => `closed-${outcome}`) },
])

/** Whether `value` is a measure name. */
export function isMeasure (value: string): boolean {
  return MEASURES.includes(value)
}
