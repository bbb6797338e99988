/**
 * The open data (issue 12): the public dataset as CSV and JSON, one row per
 * (period, area, measure), with stable column names documented in
 * docs/statistics.md. Both come from the same cells as the page, so the three
 * agree, suppression included. Area names are the forces' English names: the
 * data are not translated.
 */
import { NATIONAL } from '../../store/stats.js'
import { findForce } from '../forces.js'
import { MEASURES } from './measures.js'
import { AREAS, type PublicDataset } from './publication.js'

/** The CSV columns, in order. Never rename or reorder one: people's scripts read them. */
export const CSV_COLUMNS = ['period_type', 'period', 'period_start', 'period_end', 'force', 'force_name', 'measure', 'value'] as const

/** How a suppressed value is written in CSV. */
export const CSV_SUPPRESSED = '<5'

/** One row of the open data. */
export interface OpenDataRow {
  readonly period_type: string
  readonly period: string
  readonly period_start: string
  readonly period_end: string
  readonly force: string
  readonly force_name: string
  readonly measure: string
  /** The count; null when suppressed. */
  readonly value: number | null
  readonly suppressed: boolean
}

/** The name of an area in the open data. */
export function areaName (area: string): string {
  return area === NATIONAL ? 'All forces' : findForce(area)?.name ?? area
}

/** Every row of a dataset: periods in publication order, then areas (national first), then measures. */
export function * openDataRows (dataset: PublicDataset): Iterable<OpenDataRow> {
  for (const period of dataset.periods) {
    for (const area of AREAS) {
      for (const measure of MEASURES) {
        const cell = dataset.cell(period.id, area, measure)
        yield { period_type: period.type, period: period.id, period_start: period.start, period_end: period.end, force: area, force_name: areaName(area), measure, value: cell.value, suppressed: cell.suppressed }
      }
    }
  }
}

function csvField (value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/** The dataset as CSV (RFC 4180, CRLF line ends, UTF-8). */
export function toCsv (dataset: PublicDataset): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const row of openDataRows(dataset)) {
    const value = row.suppressed ? CSV_SUPPRESSED : String(row.value)
    lines.push([row.period_type, row.period, row.period_start, row.period_end, row.force, csvField(row.force_name), row.measure, value].join(','))
  }
  return lines.join('\r\n') + '\r\n'
}

/** The dataset as a JSON document: what it is, its licence, and every row. */
export function toJson (dataset: PublicDataset, licence: { readonly name: string; readonly url: string }): string {
  return JSON.stringify({
    title: 'Candour: reports of police corruption and abuse, and what forces did with them',
    schema: 'docs/statistics.md',
    licence: { name: licence.name, url: licence.url },
    last_month: dataset.lastMonth ?? null,
    suppression: { threshold: 5, note: 'Counts from 1 to 4, and further counts that would let them be worked out, are null with suppressed: true.' },
    measures: MEASURES,
    rows: [...openDataRows(dataset)],
  })
}
