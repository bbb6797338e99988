/**
 * The layout of a report bundle for the offline machine, shared by the
 * `export` command, the reviewer's zip download and the transfer upload: one
 * `.gpg` file per encrypted item, then one per reply (the force's copy, kind
 * `reply`), numbered on from the items, and a manifest of the plaintext
 * metadata. The manifest holds no file names: those are inside the encrypted
 * packets.
 */
import { readBlob } from '../store/blobs.js'
import type { Kv } from '../store/kv.js'
import type { ReportRecord } from '../store/records.js'

/** The manifest's format tag. */
export const MANIFEST_FORMAT = 'candour-bundle/1'

/** One file of a bundle. */
export interface BundleFile {
  readonly name: string
  readonly size: number
  readonly content: () => AsyncIterable<Uint8Array>
}

/** The manifest of one report. */
export function manifest (report: ReportRecord): Record<string, unknown> {
  return {
    format: MANIFEST_FORMAT,
    id: report.id,
    force: report.force,
    category: report.category,
    channel: report.channel,
    urgent: report.urgent,
    status: report.status,
    ...(report.outcome === undefined ? {} : { outcome: report.outcome }),
    received: report.received,
    ...(report.transferredFrom === undefined ? {} : { transferredFrom: report.transferredFrom, transferred: report.transferred }),
    items: report.items.map((item, index) => ({ file: itemFileName(index, item.kind), kind: item.kind, size: item.size, received: item.received, ...(item.followUp === true ? { followUp: true } : {}) })),
    replies: report.replies.map((reply, index) => ({ file: replyFileName(report, index), kind: 'reply', size: reply.forceSize, sent: reply.date, read: reply.read, deleted: reply.deleted })),
  }
}

/** The file name of the index-th item: its position and kind, never its original name. */
export function itemFileName (index: number, kind: string): string {
  return `${String(index + 1).padStart(2, '0')}-${kind}.gpg`
}

/** The file name of a report's index-th reply: numbered on from its items. */
export function replyFileName (report: Pick<ReportRecord, 'items'>, index: number): string {
  return itemFileName(report.items.length + index, 'reply')
}

/** One encrypted file of a bundle and the blob it comes from: every item, then every reply's force copy. */
export interface BundleEntry {
  readonly name: string
  readonly blob: string
  readonly size: number
}

/** The encrypted files of a report's bundle, in bundle order. */
export function bundleEntries (report: ReportRecord): BundleEntry[] {
  return [
    ...report.items.map((item, index) => ({ name: itemFileName(index, item.kind), blob: item.blob, size: item.size })),
    ...report.replies.map((reply, index) => ({ name: replyFileName(report, index), blob: reply.forceBlob, size: reply.forceSize })),
  ]
}

/** The files of a report's bundle, each read from the store only when asked. */
export function bundleFiles (kv: Kv, report: ReportRecord): BundleFile[] {
  const files: BundleFile[] = bundleEntries(report).map((entry) => ({
    name: entry.name,
    size: entry.size,
    content: () => readBlob(kv, entry.blob),
  }))
  const json = new TextEncoder().encode(JSON.stringify(manifest(report), null, 2) + '\n')
  files.push({ name: 'manifest.json', size: json.byteLength, content: async function * () { yield json } })
  return files
}
