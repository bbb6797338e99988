/** `candour purge [--dry-run]` (issue 14): the retention sweep the server runs daily, on demand. */
import type { Command } from 'commander'
import { loadConfig } from '../config.js'
import { sweepRetention } from '../domain/retention.js'
import { openStoreAnyway } from '../store/open.js'

/** Registers `purge` on the program. */
export function registerPurge (cli: Command, out: (line: string) => void, now: () => Date = () => new Date()): void {
  cli.command('purge')
    .description('delete reports closed longer than CANDOUR_RETAIN_CLOSED_DAYS, with their items, replies and reporters left with none; server running or stopped')
    .option('--dry-run', 'only count what would be deleted', false)
    .action(async (options: { dryRun: boolean }) => {
      const config = loadConfig()
      const { kv } = await openStoreAnyway(config.dataDir)
      let result
      try {
        result = await sweepRetention(kv, { retainClosedDays: config.retainClosedDays, now: now(), dryRun: options.dryRun, actor: 'cli' })
      } finally {
        await kv.close()
      }
      const verb = options.dryRun ? 'would delete' : 'deleted'
      out(`retention ${config.retainClosedDays} days: ${verb} ${result.reports} report(s), ${result.blobs} encrypted item(s), ${result.reporters} reporter(s)`)
      if (result.stamped > 0) out(`${result.stamped} closed report(s) had no closing date${options.dryRun ? ' (the next sweep dates them today)' : ' and were dated today'}`)
    })
}
