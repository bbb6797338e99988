/**
 * The indexes of reports (issue 4): what lets a force's inbox page be one
 * bounded range read however many reports the store holds. Every report has
 * one entry in `by-force` (date order, for export) and four in `inbox`, one per
 * filter the inbox offers (none, status, category, both), so each filtered
 * listing is a contiguous key range too. Keys hold only force ids, closed
 * values, UTC dates and random ids; values are empty.
 *
 * Inside a family the key ends in `<rank>!<received>!<id>`, read in reverse:
 * rank 1 (urgent and not yet assessed) before rank 0, then newest date first.
 * Index entries are a pure function of the record, so every change of a report
 * writes `reindexOps(before, after)` in the batch that writes the record.
 */
import type { BatchOp, Kv, Space } from './kv.js'
import type { ReportRecord } from './records.js'

/** The fields of a report the indexes are built from. */
export type IndexedFields = Pick<ReportRecord, 'id' | 'force' | 'category' | 'status' | 'urgent' | 'received'>

/** What an inbox listing is filtered by. */
export interface InboxFilter {
  readonly force: string
  readonly status?: ReportRecord['status']
  readonly category?: string
}

const EMPTY = new Uint8Array(0)

/** The key of a report in the `by-force` space (date order, used by export). */
export function forceIndexKey (report: Pick<ReportRecord, 'force' | 'received' | 'id'>): string {
  return `${report.force}!${report.received}!${report.id}`
}

/** Whether a report stands first in its inbox: urgent and not yet assessed. */
export function isPriority (report: Pick<ReportRecord, 'urgent' | 'status'>): boolean {
  return report.urgent && report.status === 'new'
}

/** The part of an inbox key after the family prefix: `<rank>!<received>!<id>`; also the inbox's page cursor. */
export function inboxPosition (report: IndexedFields): string {
  return `${isPriority(report) ? '1' : '0'}!${report.received}!${report.id}`
}

/** The key prefix of one filtered listing of a force's inbox. */
export function inboxPrefix (filter: InboxFilter): string {
  const { force, status, category } = filter
  if (status !== undefined && category !== undefined) return `sc!${force}!${status}!${category}!`
  if (status !== undefined) return `s!${force}!${status}!`
  if (category !== undefined) return `c!${force}!${category}!`
  return `a!${force}!`
}

/** Every index key of a report, as [space, key]. */
export function reportIndexKeys (report: IndexedFields): Array<readonly [Space, string]> {
  const position = inboxPosition(report)
  const { force, status, category } = report
  return [
    ['by-force', forceIndexKey(report)],
    ['inbox', inboxPrefix({ force }) + position],
    ['inbox', inboxPrefix({ force, status }) + position],
    ['inbox', inboxPrefix({ force, category }) + position],
    ['inbox', inboxPrefix({ force, status, category }) + position],
  ]
}

/** The batch operations that move a report's index entries from `before` to `after` (either may be absent). */
export function reindexOps (before: IndexedFields | undefined, after: IndexedFields | undefined): BatchOp[] {
  const old = new Set((before === undefined ? [] : reportIndexKeys(before)).map(([space, key]) => `${space}\n${key}`))
  const next = new Set((after === undefined ? [] : reportIndexKeys(after)).map(([space, key]) => `${space}\n${key}`))
  const ops: BatchOp[] = []
  for (const entry of old) {
    if (next.has(entry)) continue
    const [space, key] = entry.split('\n') as [Space, string]
    ops.push({ type: 'del', space, key })
  }
  for (const entry of next) {
    if (old.has(entry)) continue
    const [space, key] = entry.split('\n') as [Space, string]
    ops.push({ type: 'put', space, key, value: EMPTY })
  }
  return ops
}

const INDEX_VERSION_KEY = 'report-index-version'
const INDEX_VERSION = '1'

/**
 * Writes the index entries of every stored report once, for a store written
 * before these indexes existed; later starts find the version mark and skip
 * the scan. Run at start-up, before anything else writes. Returns how many
 * reports were indexed.
 */
export async function ensureReportIndexes (kv: Kv): Promise<number> {
  const mark = await kv.get('meta', INDEX_VERSION_KEY)
  if (mark !== undefined && Buffer.from(mark).toString('utf8') === INDEX_VERSION) return 0
  let ops: BatchOp[] = []
  let count = 0
  for await (const [, raw] of kv.entries('reports')) {
    count++
    ops.push(...reindexOps(undefined, JSON.parse(Buffer.from(raw).toString('utf8')) as ReportRecord))
    if (ops.length >= 1000) { await kv.batch(ops); ops = [] }
  }
  await kv.batch([...ops, { type: 'put', space: 'meta', key: INDEX_VERSION_KEY, value: Buffer.from(INDEX_VERSION, 'utf8') }])
  return count
}
