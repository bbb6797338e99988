/** `candour check [--repair]` (issue 14): the store's integrity check, with the server stopped or running. */
import type { Command } from 'commander'
import { loadConfig } from '../config.js'
import { FORCES } from '../domain/forces.js'
import { CHECK_FAULTS, checkStore, type CheckCounts } from '../domain/store-check.js'
import { CandourError } from '../errors.js'
import { openStoreAnyway } from '../store/open.js'
import { knownForceKeyIds } from './keys.js'

const LABELS: Readonly<Record<keyof CheckCounts, string>> = {
  reports: 'reports',
  blobs: 'encrypted items',
  indexMissing: 'index entries missing',
  indexDangling: 'index entries pointing nowhere',
  reporterLinks: 'reporter links broken',
  reportersMissing: 'reports whose reporter record is gone',
  blobsIncomplete: 'items missing or incomplete',
  blobsUnreadable: 'items not an OpenPGP message',
  blobsWrongKeys: "items not addressed to their force's keys",
  blobsUnowned: 'stored blobs no record owns',
  pending: 'unfinished uploads left by a crash',
  uploadsInProgress: 'uploads in progress (not a fault)',
  countersDiffering: 'statistics counters differing from a recount',
}

// What repair may fix; everything else it only reports.
const REPAIRABLE = new Set<keyof CheckCounts>(['indexMissing', 'indexDangling', 'reporterLinks', 'pending', 'countersDiffering'])

/** Registers `check` on the program. */
export function registerCheck (cli: Command, out: (line: string) => void): void {
  cli.command('check')
    .description('check the store: indexes, reporter links, items complete and addressed to their keys, no leftover uploads, audit chain, statistics counters; exit 0 when sound, CHECK_FAILED with counts otherwise')
    .option('--repair', 'fix index entries, reporter links and (server stopped) crash leftovers and statistics counters; say what cannot be fixed', false)
    .action(async (options: { repair: boolean }) => {
      const config = loadConfig()
      const forceKeyIds = await knownForceKeyIds(config, FORCES.map((force) => force.id))
      const { kv, access } = await openStoreAnyway(config.dataDir)
      let result
      try {
        result = await checkStore(kv, { forceKeyIds, repair: options.repair, live: access === 'control-socket' })
      } finally {
        await kv.close()
      }
      if (access === 'control-socket') out('checked through the running server')
      for (const what of ['reports', 'blobs', ...CHECK_FAULTS, ...(access === 'control-socket' ? ['uploadsInProgress' as const] : [])] as Array<keyof CheckCounts>) {
        const fixed = result.repaired[what] ?? 0
        out(`${LABELS[what]}: ${result.counts[what]}${fixed > 0 ? ` (repaired ${fixed})` : ''}`)
      }
      // Counter keys are a unit, a month and a measure: nothing about any one report.
      for (const d of result.counterDifferences) out(`  differs: ${d.key} stored ${d.stored}, recounted ${d.recounted}`)
      out(result.audit.ok ? `audit chain: intact, ${result.audit.entries} entries` : `audit chain: BROKEN at entry ${result.audit.brokenAt!}`)
      if (options.repair) {
        const left = CHECK_FAULTS.filter((what) => result.counts[what] - (result.repaired[what] ?? 0) > 0 && !REPAIRABLE.has(what))
        const stillPending = access === 'control-socket' && result.counts.pending > 0
        for (const what of left) out(`cannot repair: ${LABELS[what]} (restore from a backup, or see docs/operations.md)`)
        if (stillPending) out('cannot repair: unfinished uploads while the server runs (stop it and check again)')
        if (access === 'control-socket' && result.counts.countersDiffering > 0) out('cannot repair: statistics counters while the server runs (stop it and check again)')
        if (!result.audit.ok) out('cannot repair: the audit chain (restore from a backup; see docs/operations.md)')
      }
      if (result.faults > 0) {
        out(`${result.faults} fault(s)`)
        throw new CandourError('CHECK_FAILED', 'the store check found faults', { detail: { faults: result.faults } })
      }
      out('store sound')
    })
}
