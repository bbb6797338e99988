/**
 * `candour reviewer add|list|reset-2fa|reset-password|remove`: reviewer
 * accounts, through the account use cases as the operator (domain/reviewer-admin.ts).
 * Works with the server stopped or running (through its control socket);
 * every change is written with its audit entry (actor 'cli'). A removed or
 * reset reviewer's sessions end at their next request, as every use case
 * reads the account afresh.
 */
import type { Command } from 'commander'
import QRCode from 'qrcode'
import { loadConfig } from '../config.js'
import { findForce } from '../domain/forces.js'
import { OPERATOR } from '../domain/actors.js'
import { ReviewerAdmin } from '../domain/reviewer-admin.js'
import { isUsername, type ReviewerSecrets } from '../domain/reviewers.js'
import { totpUri } from '../domain/totp.js'
import { CandourError } from '../errors.js'
import { openStoreAnyway } from '../store/open.js'

async function withAccounts<T> (work: (accounts: ReviewerAdmin) => Promise<T>): Promise<T> {
  const { kv } = await openStoreAnyway(loadConfig().dataDir)
  try {
    return await work(new ReviewerAdmin(kv))
  } finally {
    await kv.close()
  }
}

function checkName (name: string): void {
  // Checked before the store is opened, so a typo creates nothing.
  if (!isUsername(name)) throw new CandourError('VALIDATION_FAILED', 'username must be 3 to 32 of a-z, 0-9 and -, starting with a letter')
}

// The secrets, once: the password (on add and reset-password) and the TOTP secret as an otpauth:// URI and a QR code.
async function printSecrets (out: (line: string) => void, secrets: ReviewerSecrets): Promise<void> {
  if (secrets.password !== undefined) out(`password: ${secrets.password}`)
  if (secrets.totpSecret !== undefined) {
    const uri = totpUri(secrets.username, secrets.totpSecret)
    out(`authenticator: ${uri}`)
    out((await QRCode.toString(uri, { type: 'terminal', small: true })).trimEnd())
  }
  out('Hand these to the reviewer in person. They are not stored in readable form and are not shown again.')
}

/** Adds the `reviewer` commands to the program. */
export function registerReviewerCommands (cli: Command, out: (line: string) => void): void {
  const reviewer = cli.command('reviewer').description('manage reviewer accounts of the workspace')

  reviewer.command('add')
    .description('create a reviewer of one force (or an instance administrator with --admin, or a call handler with --call-handler); prints the password and the TOTP secret')
    .requiredOption('--name <username>', 'username: 3 to 32 of a-z, 0-9 and -, starting with a letter')
    .option('--force <id>', 'the reviewer\'s force, or triage for the triage unit (see `candour forces`)')
    .option('--admin', 'an instance administrator: manages reviewers, sees every force\'s metadata, reads no report')
    .option('--call-handler', 'a call handler: takes reports by phone at /intake/, reads no report, belongs to no force')
    .option('--json', 'print {"username","password","totpSecret"} only')
    .action(async (options: { name: string; force?: string; admin?: boolean; callHandler?: boolean; json?: boolean }) => {
      checkName(options.name)
      const admin = options.admin === true
      const callHandler = options.callHandler === true
      if ([admin, callHandler, options.force !== undefined].filter(Boolean).length !== 1) throw new CandourError('VALIDATION_FAILED', 'give one of --force <id>, --admin or --call-handler')
      if (options.force !== undefined && findForce(options.force) === undefined) throw new CandourError('FORCE_UNKNOWN', 'unknown force')
      const secrets = await withAccounts((accounts) => accounts.add(OPERATOR, { username: options.name, force: options.force ?? null, admin, callHandler }))
      if (options.json === true) { out(JSON.stringify({ username: secrets.username, password: secrets.password, totpSecret: secrets.totpSecret })); return }
      out(`reviewer ${secrets.username} added (${admin ? 'administrator' : callHandler ? 'call handler' : `force ${options.force!}`})`)
      await printSecrets(out, secrets)
    })

  reviewer.command('list')
    .description('list the accounts: username, force (- for an administrator or a call handler), role (admin, reviewer or call-handler); no secrets')
    .option('--json', 'print a JSON array of {"username","force","admin","role"}')
    .action(async (options: { json?: boolean }) => {
      const rows = await withAccounts((accounts) => accounts.list(OPERATOR))
      if (options.json === true) { out(JSON.stringify(rows)); return }
      for (const row of rows) out(`${row.username}\t${row.force ?? '-'}\t${row.role}`)
    })

  reviewer.command('reset-2fa')
    .description('give a reviewer a new TOTP secret (their sessions end); prints it like add')
    .requiredOption('--name <username>', 'the reviewer')
    .option('--json', 'print {"username","totpSecret"} only')
    .action(async (options: { name: string; json?: boolean }) => {
      checkName(options.name)
      const secrets = await withAccounts((accounts) => accounts.resetTwoFactor(OPERATOR, options.name))
      if (options.json === true) { out(JSON.stringify({ username: secrets.username, totpSecret: secrets.totpSecret })); return }
      out(`reviewer ${secrets.username}: new authenticator secret`)
      await printSecrets(out, secrets)
    })

  reviewer.command('reset-password')
    .description('give a reviewer a new seven-word password (their sessions end); prints it once')
    .requiredOption('--name <username>', 'the reviewer')
    .option('--json', 'print {"username","password"} only')
    .action(async (options: { name: string; json?: boolean }) => {
      checkName(options.name)
      const secrets = await withAccounts((accounts) => accounts.resetPassword(OPERATOR, options.name))
      if (options.json === true) { out(JSON.stringify({ username: secrets.username, password: secrets.password })); return }
      out(`reviewer ${secrets.username}: new password`)
      await printSecrets(out, secrets)
    })

  reviewer.command('remove')
    .description('remove a reviewer (their sessions end at their next request)')
    .requiredOption('--name <username>', 'the reviewer')
    .action(async (options: { name: string }) => {
      checkName(options.name)
      await withAccounts((accounts) => accounts.remove(OPERATOR, options.name))
      out(`reviewer ${options.name} removed`)
    })
}
