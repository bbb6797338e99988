/**
 * `candour export`: writes every stored report of a force as <out>/<report-id>/
 * for the offline machine, through the workspace's export use case as the
 * operator: each report written is audited (actor `cli`, action `export`).
 */
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { OPERATOR } from '../domain/actors.js'
import { findForce } from '../domain/forces.js'
import { Workspace } from '../domain/workspace.js'
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'

/** Exports a force's reports; returns how many were written. */
export async function exportForce (kv: Kv, forceId: string, outDir: string): Promise<number> {
  if (findForce(forceId) === undefined) throw new CandourError('FORCE_UNKNOWN', 'unknown force')
  await mkdir(outDir, { recursive: true, mode: 0o700 })
  const existing = new Set(await readdir(outDir))
  // Export reads ciphertext only: it needs no keys.
  const workspace = new Workspace({ kv, recipients: async () => new Map() })
  return workspace.exportForce(OPERATOR, forceId, async (report, files) => {
    // A report already exported is left as it is: export is safe to repeat.
    if (existing.has(report.id)) return false
    const dir = path.join(outDir, report.id)
    const partial = `${dir}.partial`
    await rm(partial, { recursive: true, force: true })
    await mkdir(partial, { recursive: true, mode: 0o700 })
    for (const file of files) {
      await pipeline(Readable.from(file.content()), createWriteStream(path.join(partial, file.name), { mode: 0o600 }))
    }
    // Renamed only when whole, so an interrupted export never leaves a report that looks complete.
    await rename(partial, dir)
    return true
  })
}
