/**
 * `candour onion-client add`: a reviewer's client key for the workspace's
 * onion service. Writes `<name>.auth` (for the service's authorized_clients/)
 * and `<name>.auth_private` (for the reviewer's Tor Browser), both 0600, and
 * never replaces a file already there.
 */
import { constants } from 'node:fs'
import { mkdir, open } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import { authFileLine, authPrivateFileLine, generateOnionClientKeys, parseOnionAddress } from '../crypto/onion-client-auth.js'
import { CandourError } from '../errors.js'

// Tor reads every `*.auth` file in authorized_clients/; a plain name keeps the pair easy to find and remove.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

async function writeNew (file: string, text: string): Promise<void> {
  let handle
  try {
    handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CandourError('OUTPUT_EXISTS', 'a key file of that name already exists')
    throw err
  }
  try { await handle.writeFile(text + '\n') } finally { await handle.close() }
}

/** Makes a client key pair for `name` and writes both files into `outDir`; resolves with their paths. */
export async function addOnionClient (name: string, onion: string, outDir: string): Promise<{ authFile: string; authPrivateFile: string }> {
  if (!NAME.test(name)) throw new CandourError('VALIDATION_FAILED', 'a client name has letters, digits, - and _ only (at most 64)', { detail: { field: 'name' } })
  if (parseOnionAddress(onion) === undefined) throw new CandourError('VALIDATION_FAILED', 'not a v3 onion address', { detail: { field: 'onion' } })
  const keys = generateOnionClientKeys()
  await mkdir(outDir, { recursive: true, mode: 0o700 })
  const authFile = path.join(outDir, `${name}.auth`)
  const authPrivateFile = path.join(outDir, `${name}.auth_private`)
  // The secret half first: a failure after it leaves nothing the service would trust.
  await writeNew(authPrivateFile, authPrivateFileLine(onion, keys))
  await writeNew(authFile, authFileLine(keys))
  return { authFile, authPrivateFile }
}

/** Registers `onion-client add`. */
export function registerOnionClientCommands (cli: Command, out: (line: string) => void): void {
  const group = cli.command('onion-client').description('client keys for the workspace onion service (Tor client authorisation)')
  group.command('add')
    .description('make an x25519 client key pair: <name>.auth for the service, <name>.auth_private for the reviewer')
    .requiredOption('--name <name>', 'who the key is for (letters, digits, - and _)')
    .requiredOption('--onion <address>', "the workspace's onion address (its HiddenServiceDir's hostname file)")
    .requiredOption('--out <dir>', 'folder to write the two files into')
    .action(async (options: { name: string; onion: string; out: string }) => {
      const files = await addOnionClient(options.name, options.onion, options.out)
      out(`service side: copy ${files.authFile} into the workspace service's authorized_clients/ and reload tor`)
      out(`reviewer side: give ${files.authPrivateFile} to the reviewer in person, for Tor Browser (or a tor's ClientOnionAuthDir); it is a secret`)
    })
}
