/**
 * Scenario 6: many reporters uploading at once, each over its own connection:
 * every report must be stored (counted in the store afterwards, with no blob
 * left pending), and the server's peak RSS must stay bounded.
 */
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { openLevelKv } from '../../../src/store/level-kv.js'
import type { ReportRecord } from '../../../src/store/records.js'
import type { BenchContext } from '../context.js'
import { withCandour } from '../context.js'
import { uploadReport, writeRandomFile } from '../http.js'
import type { Figure, ScenarioResult } from '../results.js'

const MiB = 1024 * 1024

/** What the store holds after the run. */
export interface StoreCount {
  readonly reports: number
  readonly attachmentsOfSize: number
  readonly pending: number
}

/** Counts reports, attachments larger than `attachmentBytes`, and blobs left pending, with the server stopped. */
export async function countStore (dataDir: string, attachmentBytes: number): Promise<StoreCount> {
  const kv = await openLevelKv(dataDir)
  try {
    let reports = 0
    let attachmentsOfSize = 0
    for await (const [, value] of kv.entries('reports')) {
      reports++
      const report = JSON.parse(new TextDecoder().decode(value)) as ReportRecord
      // Ciphertext is a little larger than the plaintext it holds.
      if (report.items.some((item) => item.kind === 'attachment' && item.size > attachmentBytes)) attachmentsOfSize++
    }
    let pending = 0
    for await (const _ of kv.keys('pending')) pending++
    return { reports, attachmentsOfSize, pending }
  } finally {
    await kv.close()
  }
}

/** Runs scenario 6. */
export async function concurrencyScenario (ctx: BenchContext): Promise<ScenarioResult> {
  const { concurrentUploads: count, concurrentMiB: size } = ctx.sizes
  const file = path.join(ctx.workDir, 'concurrent.bin')
  await writeRandomFile(file, size * MiB)
  const run = await withCandour(ctx, async (server, dataDir) => {
    ctx.log(`concurrency: ${count} uploads of ${size} MiB at once`)
    const started = performance.now()
    const results = await Promise.allSettled(Array.from({ length: count }, () => uploadReport(server.url, file, size * MiB)))
    const seconds = (performance.now() - started) / 1000
    const peak = await server.peakRss()
    const accepted = results.filter((r) => r.status === 'fulfilled' && r.value.status === 303).length
    await server.stop()
    return { seconds, peak, accepted, store: await countStore(dataDir, size * MiB) }
  })
  const stored = Math.min(run.store.reports, run.store.attachmentsOfSize)
  const figures: Figure[] = [
    { id: 'concurrency.accepted', label: `${count} x ${size} MiB uploads answered 303`, value: run.accepted, unit: 'uploads', target: `= ${count}`, met: run.accepted === count },
    { id: 'concurrency.stored', label: 'reports stored with their attachment', value: stored, unit: 'reports', target: `= ${count}, none pending`, met: stored === count && run.store.reports === count && run.store.pending === 0 },
    { id: 'concurrency.seconds', label: 'time for all uploads', value: run.seconds, unit: 's' },
    { id: 'concurrency.throughput', label: 'aggregate upload rate', value: count * size * MiB / 1e6 / run.seconds, unit: 'MB/s' },
    { id: 'concurrency.peakRss', label: 'server peak RSS', value: run.peak / MiB, unit: 'MiB', target: '< 400 MiB', met: run.peak < 400 * MiB },
  ]
  return { id: '6-concurrency', title: 'Concurrency', figures, notes: [`${run.store.pending} blobs left pending`] }
}
