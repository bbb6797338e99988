/**
 * The `candour` command line. Commands are thin: they parse arguments, open
 * the store (directly, or through the running server's control socket) and
 * call domain code. It never imports web/.
 */
import { Command, CommanderError } from 'commander'
import { loadConfig } from '../config.js'
import { RECIPIENTS, findForce } from '../domain/forces.js'
import { CandourError, isCandourError } from '../errors.js'
import { openStoreAnyway } from '../store/open.js'
import { registerAuditCommands } from './audit.js'
import { registerBackupCommands } from './backup.js'
import { registerCheck } from './check.js'
import { registerPurge } from './purge.js'
import { exportForce } from './export.js'
import { checkHealth } from './health.js'
import { registerDecrypt } from './offline/decrypt.js'
import { registerKeysCheck } from './offline/keys-check.js'
import { registerKeysGenerate } from './offline/keys-generate.js'
import { registerTransfer } from './offline/transfer.js'
import { registerOnionClientCommands } from './onion-client.js'
import { replyFromFile } from './reply.js'
import { registerReviewerCommands } from './reviewer.js'
import { registerStatsCommands } from './stats.js'

/** Builds the program; `out` receives what the commands print. */
export function program (out: (line: string) => void = (line) => process.stdout.write(line + '\n')): Command {
  const cli = new Command('candour').description('Candour: anonymous reporting of police corruption and abuse').exitOverride()

  cli.command('forces')
    .description('list the forces (and the triage unit, id triage) and their ids')
    .action(() => { for (const force of RECIPIENTS) out(`${force.id}\t${force.name}`) })

  cli.command('export')
    .description('write each stored report of a force as <out>/<report-id>/ (.gpg items and manifest.json)')
    .requiredOption('--force <id>', 'force id (see `candour forces`)')
    .requiredOption('--out <dir>', 'folder to write into')
    .action(async (options: { force: string; out: string }) => {
      // Checked before the store is opened, so a typo creates nothing.
      if (findForce(options.force) === undefined) throw new CandourError('FORCE_UNKNOWN', 'unknown force')
      const config = loadConfig()
      const { kv, access } = await openStoreAnyway(config.dataDir)
      try {
        const count = await exportForce(kv, options.force, options.out)
        out(`exported ${count} report(s)${access === 'control-socket' ? ' (through the running server)' : ''}`)
      } finally {
        await kv.close()
      }
    })
  cli.command('reply')
    .description('store a reply to a report from a UTF-8 text file (a copy for the reporter, a copy for the force)')
    .requiredOption('--report <id>', 'report id')
    .requiredOption('--text-file <file>', 'file holding the reply text')
    .action(async (options: { report: string; textFile: string }) => {
      const config = loadConfig()
      const { kv } = await openStoreAnyway(config.dataDir)
      try {
        await replyFromFile(kv, config, options.report, options.textFile)
        out('reply stored')
      } finally {
        await kv.close()
      }
    })
  cli.command('health')
    .description('exit 0 when the running server answers on its control socket and its listeners (the container HEALTHCHECK)')
    .action(async () => {
      await checkHealth(loadConfig())
      out('healthy')
    })
  registerReviewerCommands(cli, out)
  registerAuditCommands(cli, out)
  registerBackupCommands(cli, out)
  registerCheck(cli, out)
  registerPurge(cli, out)
  registerStatsCommands(cli, out)
  // Offline commands (issue 5): they never open the store or the network.
  registerKeysGenerate(cli, out)
  registerKeysCheck(cli, out)
  registerDecrypt(cli, out)
  registerTransfer(cli, out)
  registerOnionClientCommands(cli, out)
  return cli
}

/** Runs the command line with process arguments. */
export async function run (argv: readonly string[] = process.argv): Promise<number> {
  try {
    await program().parseAsync([...argv])
    return 0
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode
    process.stderr.write(failureText(err))
    return 1
  }
}

/**
 * What the command line prints for a failure: the code and constant message;
 * for an unexpected error, INTERNAL and the chain of its causes (issue 9): the
 * operator at the terminal needs them to act, and this output is theirs, not a
 * server log.
 */
export function failureText (err: unknown): string {
  if (isCandourError(err) && err.code !== 'INTERNAL') return `candour: ${err.code}: ${err.message}\n`
  const lines = ['candour: INTERNAL: unexpected failure']
  let cause: unknown = isCandourError(err) ? err.cause : err
  for (let depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    lines.push(`  caused by: ${describe(cause)}`)
    cause = cause instanceof Error ? cause.cause : undefined
  }
  return lines.join('\n') + '\n'
}

function describe (cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause)
  const code = (cause as { code?: unknown }).code
  return `${cause.name}${typeof code === 'string' ? ` ${code}` : ''}: ${cause.message}`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // A reader that goes away (`candour forces | head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0) })
  process.exitCode = await run()
}
