/**
 * The layout of a report bundle for the offline machine, shared by the
 * `export` command and (later) the reviewer's zip download: one `.gpg` file
 * per encrypted item and a manifest of the plaintext metadata. The manifest
 * holds no file names: those are inside the encrypted packets.
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
    received: report.received,
    items: report.items.map((item, index) => ({ file: itemFileName(index, item.kind), kind: item.kind, size: item.size, received: item.received })),
  }
}

/** The file name of the index-th item: its position and kind, never its original name. */
export function itemFileName (index: number, kind: string): string {
  return `${String(index + 1).padStart(2, '0')}-${kind}.gpg`
}

/** The files of a report's bundle, each read from the store only when asked. */
export function bundleFiles (kv: Kv, report: ReportRecord): BundleFile[] {
  const files: BundleFile[] = report.items.map((item, index) => ({
    name: itemFileName(index, item.kind),
    size: item.size,
    content: () => readBlob(kv, item.blob),
  }))
  const json = new TextEncoder().encode(JSON.stringify(manifest(report), null, 2) + '\n')
  files.push({ name: 'manifest.json', size: json.byteLength, content: async function * () { yield json } })
  return files
}
