/** Reports written straight into a store in the shape the service writes them, and index checks, for store-level tests. */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { CATEGORIES } from '../../src/domain/categories.js'
import type { Kv, Range, Space } from '../../src/store/kv.js'
import { openLevelKv } from '../../src/store/level-kv.js'
import { putReportOps, type ReportRecord } from '../../src/store/records.js'
import { reportIndexKeys } from '../../src/store/report-index.js'

/** A temporary LevelDB store; `dispose` closes and removes it. */
export async function tempStore (): Promise<{ kv: Kv; dataDir: string; dispose: () => Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'candour-store-'))
  const kv = await openLevelKv(dataDir)
  return { kv, dataDir, async dispose () { await kv.close(); await rm(dataDir, { recursive: true, force: true }) } }
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex')
const CATEGORY_IDS = Object.keys(CATEGORIES)

/** A report as a submission stores it (items point at blob ids that need not exist for index tests). */
export function fakeReport (overrides: Partial<ReportRecord> = {}): ReportRecord {
  const received = overrides.received ?? `202${3 + Math.floor(Math.random() * 3)}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}`
  return {
    v: 1,
    id: hex(12),
    force: 'kent',
    category: CATEGORY_IDS[Math.floor(Math.random() * CATEGORY_IDS.length)]!,
    channel: 'online',
    urgent: Math.random() < 0.1,
    status: 'new',
    received,
    reporter: hex(32),
    items: [{ id: hex(8), kind: 'report', blob: hex(16), size: 1000 + Math.floor(Math.random() * 5000), received }],
    replies: [],
    ...overrides,
  }
}

/** Writes reports through putReportOps, a few hundred to a batch. */
export async function writeReports (kv: Kv, reports: readonly ReportRecord[]): Promise<void> {
  for (let i = 0; i < reports.length; i += 300) await kv.batch(reports.slice(i, i + 300).flatMap(putReportOps))
}

/** Every index entry the store holds, as "space\nkey". */
export async function indexEntries (kv: Kv): Promise<string[]> {
  const out: string[] = []
  for (const space of ['by-force', 'inbox'] as const) for await (const key of kv.keys(space)) out.push(`${space}\n${key}`)
  return out.sort()
}

/** The index entries the stored reports call for, as "space\nkey". */
export async function expectedIndexEntries (kv: Kv): Promise<string[]> {
  const out: string[] = []
  for await (const [, raw] of kv.entries('reports')) {
    for (const [space, key] of reportIndexKeys(JSON.parse(Buffer.from(raw).toString('utf8')) as ReportRecord)) out.push(`${space}\n${key}`)
  }
  return out.sort()
}

/** A Kv that counts what passes through it, to show that a page read is bounded. */
export function countingKv (kv: Kv): { kv: Kv; counts: { gets: number; rows: number; ranges: number }; reset: () => void } {
  const counts = { gets: 0, rows: 0, ranges: 0 }
  const counted: Kv = {
    async get (space: Space, key: string) { counts.gets++; return kv.get(space, key) },
    batch: (ops, options) => kv.batch(ops, options),
    async * entries (space: Space, range?: Range) { counts.ranges++; for await (const e of kv.entries(space, range)) { counts.rows++; yield e } },
    async * keys (space: Space, range?: Range) { counts.ranges++; for await (const k of kv.keys(space, range)) { counts.rows++; yield k } },
    snapshot: () => kv.snapshot(),
    compact: (space, range) => kv.compact(space, range),
    close: () => kv.close(),
  }
  return { kv: counted, counts, reset () { counts.gets = 0; counts.rows = 0; counts.ranges = 0 } }
}

/** Every entry of every space, as "space\nkey" -> hex value: to show that a refused operation changed nothing. */
export async function snapshot (kv: Kv): Promise<Map<string, string>> {
  const { SPACES } = await import('../../src/store/kv.js')
  const out = new Map<string, string>()
  for (const space of SPACES) for await (const [key, value] of kv.entries(space)) out.set(`${space}\n${key}`, Buffer.from(value).toString('hex'))
  return out
}
