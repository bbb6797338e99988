/** `candour audit verify`: checks the audit log's hash chain, with the server stopped or running. */
import type { Command } from 'commander'
import { loadConfig } from '../config.js'
import { verifyAudit } from '../domain/audit.js'
import { CandourError } from '../errors.js'
import { openStoreAnyway } from '../store/open.js'

/** Adds the `audit` commands to the program. */
export function registerAuditCommands (cli: Command, out: (line: string) => void): void {
  const audit = cli.command('audit').description('the audit log of reviewer and administrator actions')

  audit.command('verify')
    .description('check the hash chain: exit 0 when intact, non-zero with the first broken entry')
    .action(async () => {
      const { kv } = await openStoreAnyway(loadConfig().dataDir)
      let result
      try {
        result = await verifyAudit(kv)
      } finally {
        await kv.close()
      }
      if (!result.ok) {
        out(`audit chain broken at entry ${result.brokenAt!}`)
        throw new CandourError('AUDIT_BROKEN', 'audit chain broken')
      }
      out(`audit chain intact: ${result.entries} entries`)
    })
}
