/**
 * What each reviewer last saw of each report, so the inbox can say what is new
 * since THEY last looked: a new report, further information, a reply read or
 * deleted by the reporter. Kept in the `seen` space under
 * `<username>!<reportId>`, with a mirror key `<reportId>!<username>` in
 * `seen-by-report` so a report's state can be removed (deletion, transfer)
 * without scanning every reviewer's. Counts are enough: items and replies are
 * only ever appended, and a reply's read and deleted dates are set once.
 *
 * Opening the report page notes the replies' state (it is shown there);
 * only downloading notes the items, since only the download lets the
 * reviewer read them.
 */
import { CandourError, isCandourError } from '../errors.js'
import type { BatchOp, Kv } from '../store/kv.js'
import { forceIndexKey, type ReportRecord } from '../store/records.js'

/** One reviewer's last look at one report. */
export interface SeenRecord {
  readonly v: 1
  /** Whether the reviewer has downloaded the report at all. */
  readonly downloaded: boolean
  /** Follow-up items (further information) there were at the last download. */
  readonly followUps: number
  /** Replies read, and deleted, by the reporter at the last look. */
  readonly read: number
  readonly deleted: number
}

/** What is new for a reviewer since their last look. */
export interface News {
  readonly report: boolean
  readonly furtherInformation: boolean
  readonly replyRead: boolean
  readonly replyDeleted: boolean
}

const EMPTY = new Uint8Array(0)
const MAX_ATTEMPTS = 20
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The `seen` key of a reviewer's state for a report. */
export function seenKey (username: string, reportId: string): string {
  return `${username}!${reportId}`
}

function counts (report: ReportRecord): Omit<SeenRecord, 'v' | 'downloaded'> {
  return {
    followUps: report.items.filter((item) => item.followUp === true).length,
    read: report.replies.filter((reply) => reply.read !== null).length,
    deleted: report.replies.filter((reply) => reply.deleted !== null).length,
  }
}

/** What is new in `report` for a reviewer whose last look is `seen`. */
export function newsOf (report: ReportRecord, seen: SeenRecord | undefined): News {
  const now = counts(report)
  return {
    report: seen?.downloaded !== true,
    furtherInformation: seen?.downloaded === true && now.followUps > seen.followUps,
    replyRead: now.read > (seen?.read ?? 0),
    replyDeleted: now.deleted > (seen?.deleted ?? 0),
  }
}

/** A reviewer's last look at a report, if any. */
export async function getSeen (kv: Kv, username: string, reportId: string): Promise<SeenRecord | undefined> {
  const raw = await kv.get('seen', seenKey(username, reportId))
  return raw === undefined ? undefined : JSON.parse(decoder.decode(raw)) as SeenRecord
}

/**
 * Notes that a reviewer looked at `report` as it is now: its page
 * (`downloaded: false`) or its bundle. Written only while the report is still
 * in this force's index, so a look racing a deletion or a transfer leaves no
 * state behind.
 */
export async function markLooked (kv: Kv, username: string, report: ReportRecord, options: { downloaded: boolean }): Promise<void> {
  const now = counts(report)
  const key = seenKey(username, report.id)
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const raw = await kv.get('seen', key)
    const current = raw === undefined ? undefined : JSON.parse(decoder.decode(raw)) as SeenRecord
    const next: SeenRecord = {
      v: 1,
      downloaded: options.downloaded || current?.downloaded === true,
      followUps: options.downloaded ? now.followUps : current?.followUps ?? 0,
      read: now.read,
      deleted: now.deleted,
    }
    if (current !== undefined && JSON.stringify(current) === JSON.stringify(next)) return
    try {
      await kv.batch([
        { type: 'put', space: 'seen', key, value: encoder.encode(JSON.stringify(next)) },
        { type: 'put', space: 'seen-by-report', key: `${report.id}!${username}`, value: EMPTY },
      ], { expect: [{ space: 'seen', key, value: raw }, { space: 'by-force', key: forceIndexKey(report), value: EMPTY }] })
      return
    } catch (err) {
      if (!isCandourError(err, 'STORE_CONFLICT')) throw err
      // Gone from this force (deleted or transferred): nothing to note.
      if (await kv.get('by-force', forceIndexKey(report)) === undefined) return
    }
  }
  throw new CandourError('STORE_CONFLICT', 'last look kept changing')
}

/**
 * Removes the looks noted after `forgetSeenOps` was read for a report whose
 * removal batch has since landed. Once that batch has moved or removed the
 * report's force index entry no look can be noted any more (markLooked
 * expects the entry), so this one pass after it leaves none behind.
 */
export async function forgetLateLooks (kv: Kv, reportId: string): Promise<void> {
  const ops = await forgetSeenOps(kv, reportId)
  if (ops.length > 0) await kv.batch(ops)
}

/** Batch operations removing every reviewer's state for a report. */
export async function forgetSeenOps (kv: Kv, reportId: string): Promise<BatchOp[]> {
  const ops: BatchOp[] = []
  for await (const key of kv.keys('seen-by-report', { gt: `${reportId}!`, lt: `${reportId}!\uffff` })) {
    const username = key.slice(reportId.length + 1)
    ops.push({ type: 'del', space: 'seen-by-report', key }, { type: 'del', space: 'seen', key: seenKey(username, reportId) })
  }
  return ops
}
