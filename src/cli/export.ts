/** `candour export`: writes every stored report of a force as <out>/<report-id>/ for the offline machine. */
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { bundleFiles } from '../domain/bundles.js'
import { findForce } from '../domain/forces.js'
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'
import { reportsOfForce } from '../store/records.js'

/** Exports a force's reports; returns how many were written. */
export async function exportForce (kv: Kv, forceId: string, outDir: string): Promise<number> {
  if (findForce(forceId) === undefined) throw new CandourError('FORCE_UNKNOWN', 'unknown force')
  await mkdir(outDir, { recursive: true, mode: 0o700 })
  const existing = new Set(await readdir(outDir))
  let count = 0
  for await (const report of reportsOfForce(kv, forceId)) {
    // A report already exported is left as it is: export is safe to repeat.
    if (existing.has(report.id)) continue
    const dir = path.join(outDir, report.id)
    const partial = `${dir}.partial`
    await rm(partial, { recursive: true, force: true })
    await mkdir(partial, { recursive: true, mode: 0o700 })
    for (const file of bundleFiles(kv, report)) {
      await pipeline(Readable.from(file.content()), createWriteStream(path.join(partial, file.name), { mode: 0o600 }))
    }
    // Renamed only when whole, so an interrupted export never leaves a report that looks complete.
    await rename(partial, dir)
    count++
  }
  return count
}
