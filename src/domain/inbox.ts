/**
 * A force's inbox (issue 4): its reports, urgent ones not yet assessed first,
 * then newest first by date received, optionally filtered by status and
 * category, a page at a time. A page is one bounded range read of the inbox
 * index (see store/report-index.ts) plus a point read of each report and of
 * the reviewer's last look at it, so it costs the same with ten reports in
 * the store or a million. Pages are addressed by cursors: the index position
 * of the row to continue after (or before), which holds only a rank digit, a
 * UTC date and a random id.
 */
import type { Kv } from '../store/kv.js'
import { getReport, type Outcome, type ReportRecord, type ReportStatus } from '../store/records.js'
import { inboxPrefix, inboxPosition, isPriority } from '../store/report-index.js'
import { isOneOf, CATEGORIES } from './categories.js'
import { getSeen, newsOf, type News } from './last-looked.js'

/** The statuses, in triage order. */
export const STATUSES: readonly ReportStatus[] = Object.freeze(['new', 'assessing', 'closed'])

/** Rows on one inbox page. */
export const PAGE_SIZE = 25

const CURSOR = /^[01]![0-9]{4}-[0-9]{2}-[0-9]{2}![0-9a-f]{24}$/

/** What to list. */
export interface InboxQuery {
  readonly force: string
  readonly status?: ReportStatus
  readonly category?: string
  /** Continue after this row (the next page) ... */
  readonly after?: string
  /** ... or end before it (the previous page). */
  readonly before?: string
  readonly limit?: number
}

/** One report as the inbox lists it: metadata only. */
export interface InboxRow {
  readonly id: string
  readonly category: string
  readonly channel: ReportRecord['channel']
  readonly urgent: boolean
  /** Urgent and not yet assessed: listed first. */
  readonly priority: boolean
  readonly status: ReportStatus
  readonly outcome?: Outcome
  readonly received: string
  readonly transferredFrom?: string
  readonly items: number
  readonly replies: number
  /** What is new for this reviewer since they last looked; absent for a viewer who never looks (an administrator). */
  readonly news?: News
}

/** One page, with the cursors of its neighbours (absent at either end). */
export interface InboxPage {
  readonly rows: readonly InboxRow[]
  readonly next?: string
  readonly previous?: string
}

/** Whether `value` is a well-formed page cursor. */
export function isCursor (value: string): boolean {
  return CURSOR.test(value)
}

/** Whether `value` is a status. */
export function isStatus (value: string): value is ReportStatus {
  return (STATUSES as readonly string[]).includes(value)
}

/** Whether `value` is a category id. */
export function isCategory (value: string): boolean {
  return isOneOf(CATEGORIES, value)
}

function row (report: ReportRecord, news: News | undefined): InboxRow {
  return {
    id: report.id,
    category: report.category,
    channel: report.channel,
    urgent: report.urgent,
    priority: isPriority(report),
    status: report.status,
    ...(report.outcome === undefined ? {} : { outcome: report.outcome }),
    received: report.received,
    ...(report.transferredFrom === undefined ? {} : { transferredFrom: report.transferredFrom }),
    items: report.items.length,
    replies: report.replies.length,
    ...(news === undefined ? {} : { news }),
  }
}

/**
 * One page of a force's inbox. `viewer` is the reviewer whose last looks
 * decide what counts as new (undefined: no news, as for an administrator).
 */
export async function inboxPage (kv: Kv, query: InboxQuery, viewer?: string): Promise<InboxPage> {
  const limit = query.limit ?? PAGE_SIZE
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 200) throw new TypeError('bad page size')
  for (const cursor of [query.after, query.before]) if (cursor !== undefined && !isCursor(cursor)) throw new TypeError('bad cursor')
  const prefix = inboxPrefix(query)
  const end = prefix + '\uffff'
  const keys: string[] = []
  if (query.before !== undefined) {
    // Backwards from the cursor: read forwards in key order, then turn round.
    for await (const key of kv.keys('inbox', { gt: prefix + query.before, lt: end, limit: limit + 1 })) keys.push(key)
    const more = keys.length > limit
    const page = keys.slice(0, limit).reverse()
    return finish(kv, page, query, viewer, { hasPrevious: more, hasNext: true })
  }
  const range = query.after === undefined ? { gt: prefix, lt: end } : { gt: prefix, lt: prefix + query.after }
  for await (const key of kv.keys('inbox', { ...range, reverse: true, limit: limit + 1 })) keys.push(key)
  const more = keys.length > limit
  return finish(kv, keys.slice(0, limit), query, viewer, { hasPrevious: query.after !== undefined, hasNext: more })
}

// The key `report` has in the listing `query` reads, to check a report read after its index entry still belongs there.
function keyFor (report: ReportRecord, query: InboxQuery): string {
  return inboxPrefix({
    force: report.force,
    ...(query.status === undefined ? {} : { status: report.status }),
    ...(query.category === undefined ? {} : { category: report.category }),
  }) + inboxPosition(report)
}

async function finish (kv: Kv, keys: readonly string[], query: InboxQuery, viewer: string | undefined, ends: { hasPrevious: boolean; hasNext: boolean }): Promise<InboxPage> {
  const prefix = inboxPrefix(query)
  const positions = keys.map((key) => key.slice(prefix.length))
  const rows = await Promise.all(keys.map(async (key) => {
    const report = await getReport(kv, key.slice(key.lastIndexOf('!') + 1))
    // Changed between the index read and this one (deleted, transferred, triaged): left out, never shown out of place.
    if (report === undefined || keyFor(report, query) !== key) return undefined
    return row(report, viewer === undefined ? undefined : newsOf(report, await getSeen(kv, viewer, report.id)))
  }))
  const first = positions[0]
  const last = positions.at(-1)
  return {
    rows: rows.filter((r): r is InboxRow => r !== undefined),
    ...(ends.hasNext && last !== undefined ? { next: last } : {}),
    ...(ends.hasPrevious && first !== undefined ? { previous: first } : {}),
  }
}
