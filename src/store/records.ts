/**
 * The records of the store and their encoding. Plaintext metadata is limited
 * to closed values (force, category, channel, urgent flag, status, UTC date);
 * everything a person wrote is in ciphertext blobs.
 */
import { CandourError, isCandourError } from '../errors.js'
import { plainCommit, type BatchOp, type Commit, type Kv, type Space } from './kv.js'
import { reindexOps } from './report-index.js'
import type { StatsEvent } from './stats.js'

export { forceIndexKey } from './report-index.js'

/** The kinds of encrypted item a report holds. */
export type ItemKind = 'report' | 'contact' | 'attachment' | 'further-information'

/** One encrypted item of a report. */
export interface ItemRecord {
  readonly id: string
  readonly kind: ItemKind
  readonly blob: string
  readonly size: number
  /** UTC date the item was received (further information arrives later). */
  readonly received: string
  /** True for further information sent after the report itself. */
  readonly followUp?: boolean
}

/** A reply from the force: a copy for the reporter (which they may delete) and a copy for the force's record. */
export interface ReplyRecord {
  readonly id: string
  readonly date: string
  readonly forceBlob: string
  readonly forceSize: number
  /** The reporter's copy; null once the reporter deleted it. */
  readonly reporterBlob: string | null
  /** UTC date the reporter first saw it. */
  readonly read: string | null
  /** UTC date the reporter deleted their copy. */
  readonly deleted: string | null
}

/** How a report came in. */
export type Channel = 'online' | 'phone'

/** The channels, for checks and counts. */
export const CHANNELS: readonly Channel[] = Object.freeze(['online', 'phone'])

/** Where a report stands with its force: `new` -> `assessing` -> `closed`. */
export type ReportStatus = 'new' | 'assessing' | 'closed'

/** What the force decided when it closed a report (recorded with `closed` only). */
export type Outcome = 'investigation' | 'safeguarding' | 'intelligence' | 'passed-to-another-force' | 'no-further-action'

/** A report's plaintext metadata and its items. */
export interface ReportRecord {
  readonly v: 1
  readonly id: string
  readonly force: string
  readonly category: string
  /** How the report came in: the online form, or a call taken by a call handler (issue 11). */
  readonly channel: Channel
  readonly urgent: boolean
  readonly status: ReportStatus
  /** Set while the status is `closed`, and only then. */
  readonly outcome?: Outcome
  /** UTC date the report was closed, set while the status is `closed` (retention counts from it, issue 14). */
  readonly closed?: string
  readonly received: string
  readonly reporter: string
  readonly items: readonly ItemRecord[]
  readonly replies: readonly ReplyRecord[]
  /** The force a report was transferred from, if it was (its latest transfer). */
  readonly transferredFrom?: string
  /** UTC date of that transfer. */
  readonly transferred?: string
  /** What the statistics counted for this report (store/stats.ts); absent on records older than the counters. */
  readonly stats?: readonly StatsEvent[]
}

/** A reporter, keyed by the identifier derived from the codename. */
export interface ReporterRecord {
  readonly v: 1
  readonly replyPublicKey: string
  readonly lockedReplySecretKey: string
  readonly reports: readonly string[]
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function encode (value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value))
}

function decode<T> (bytes: Uint8Array | undefined): T | undefined {
  return bytes === undefined ? undefined : JSON.parse(decoder.decode(bytes)) as T
}

/** Batch operations that write a new report and all its index entries (see report-index.ts). */
export function putReportOps (report: ReportRecord): BatchOp[] {
  return [
    { type: 'put', space: 'reports', key: report.id, value: encode(report) },
    ...reindexOps(undefined, report),
  ]
}

/** Batch operation that writes a reporter record. */
export function putReporterOp (reporterId: string, reporter: ReporterRecord): BatchOp {
  return { type: 'put', space: 'reporters', key: reporterId, value: encode(reporter) }
}

/** The report with this id, or undefined. */
export async function getReport (kv: Kv, id: string): Promise<ReportRecord | undefined> {
  return decode<ReportRecord>(await kv.get('reports', id))
}

/** The reporter with this identifier, or undefined. */
export async function getReporter (kv: Kv, reporterId: string): Promise<ReporterRecord | undefined> {
  return decode<ReporterRecord>(await kv.get('reporters', reporterId))
}

/** Reports of one force, newest first. */
export async function * reportsOfForce (kv: Kv, force: string): AsyncIterable<ReportRecord> {
  for await (const key of kv.keys('by-force', { gt: `${force}!`, lt: `${force}!\uffff`, reverse: true })) {
    const report = await getReport(kv, key.slice(key.lastIndexOf('!') + 1))
    if (report !== undefined) yield report
  }
}

const MAX_ATTEMPTS = 20

/**
 * Read-modify-write of one JSON record that cannot lose a concurrent update:
 * `change` gets the current record and returns the new one with any other
 * operations of the same batch (or undefined to leave it); the batch lands only
 * if the record is unchanged meanwhile, else `change` runs again on the fresh one.
 * `commit` applies the batch (default: `kv.batch`), e.g. with an audit entry in it.
 */
export async function modifyRecord<T> (kv: Kv, space: Space, key: string, change: (current: T | undefined) => { value: T; ops?: BatchOp[] } | undefined, commit: Commit = plainCommit(kv)): Promise<T | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const raw = await kv.get(space, key)
    const next = change(decode<T>(raw))
    if (next === undefined) return undefined
    try {
      await commit([{ type: 'put', space, key, value: encode(next.value) }, ...(next.ops ?? [])], [{ space, key, value: raw }])
      return next.value
    } catch (err) {
      if (!isCandourError(err, 'STORE_CONFLICT')) throw err
    }
  }
  throw new CandourError('STORE_CONFLICT', 'record kept changing')
}

/**
 * modifyRecord for a report, with the moves of its index entries added to the
 * same batch: a change of force, status or urgency can never leave an index
 * pointing the wrong way.
 */
export async function modifyReport (kv: Kv, id: string, change: (current: ReportRecord | undefined) => { value: ReportRecord; ops?: BatchOp[] } | undefined, commit?: Commit): Promise<ReportRecord | undefined> {
  return modifyRecord<ReportRecord>(kv, 'reports', id, (current) => {
    const next = change(current)
    return next === undefined ? undefined : { value: next.value, ops: [...(next.ops ?? []), ...reindexOps(current, next.value)] }
  }, commit)
}
