/**
 * Proving and repairing the counters (issue 12): a recount from the records
 * (every report's history, plus the retired sums of deleted reports) must
 * equal the counters. `stats verify` compares; `stats rebuild` rewrites the
 * counters from the recount (for a store written before counters existed, or
 * after damage) and moves the generation mark so cached publications are
 * rebuilt. A rebuild while reports are being written may miss their counts:
 * run it when the service is quiet (docs/statistics.md).
 */
import type { BatchOp, Kv } from '../../store/kv.js'
import type { ReportRecord } from '../../store/records.js'
import { eventCounts, counterKey, historyOf, readAllCounters } from '../../store/stats.js'

const GENERATION_KEY = 'stats-generation'
const BATCH = 1000
const decoder = new TextDecoder()

/** The counters' generation: moved by every rebuild, so cached publications notice. */
export async function statsGeneration (kv: Kv): Promise<string> {
  const raw = await kv.get('meta', GENERATION_KEY)
  return raw === undefined ? '0' : decoder.decode(raw)
}

/** Every counter as the records say it should be: a scan of every report, plus the retired sums. */
export async function recount (kv: Kv): Promise<Map<string, number>> {
  const out = await readAllCounters(kv, 'stats-retired')
  for await (const [, raw] of kv.entries('reports')) {
    const report = JSON.parse(decoder.decode(raw)) as ReportRecord
    for (const event of historyOf(report)) {
      for (const [unit, measure] of eventCounts(event)) {
        const key = counterKey(unit, event.m, measure)
        out.set(key, (out.get(key) ?? 0) + 1)
      }
    }
  }
  for (const [key, value] of out) if (value === 0) out.delete(key)
  return out
}

/** What verification found. */
export interface CounterVerification {
  readonly ok: boolean
  readonly counters: number
  /** Counters whose stored value differs from the recount (key, stored, recounted), at most 20. */
  readonly differences: readonly CounterDifference[]
  readonly differing: number
}

/** One counter whose stored value differs from the recount. */
export interface CounterDifference { readonly key: string; readonly stored: number; readonly recounted: number }

/** Every counter whose stored value differs from a recount, and how many counters the recount has. */
export async function counterDifferences (kv: Kv): Promise<{ counters: number; differences: CounterDifference[] }> {
  const expected = await recount(kv)
  const stored = await readAllCounters(kv, 'stats')
  const differences: CounterDifference[] = []
  for (const key of new Set([...expected.keys(), ...stored.keys()])) {
    const a = stored.get(key) ?? 0
    const b = expected.get(key) ?? 0
    if (a !== b) differences.push({ key, stored: a, recounted: b })
  }
  return { counters: expected.size, differences }
}

/** Compares the counters with a recount. */
export async function verifyCounters (kv: Kv): Promise<CounterVerification> {
  const { counters, differences } = await counterDifferences(kv)
  return { ok: differences.length === 0, counters, differences: differences.slice(0, 20), differing: differences.length }
}

/** Rewrites every counter from the recount; returns how many counters there are now. */
export async function rebuildCounters (kv: Kv): Promise<number> {
  const expected = await recount(kv)
  const stored = await readAllCounters(kv, 'stats')
  let ops: BatchOp[] = []
  const flush = async (): Promise<void> => { if (ops.length > 0) await kv.batch(ops); ops = [] }
  for (const key of stored.keys()) {
    if (!expected.has(key)) ops.push({ type: 'del', space: 'stats', key })
    if (ops.length >= BATCH) await flush()
  }
  for (const [key, value] of expected) {
    if (stored.get(key) !== value) ops.push({ type: 'put', space: 'stats', key, value: Buffer.from(String(value), 'utf8') })
    if (ops.length >= BATCH) await flush()
  }
  await flush()
  await kv.batch([{ type: 'add', space: 'meta', key: GENERATION_KEY, delta: 1 }])
  return expected.size
}
