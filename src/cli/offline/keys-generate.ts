/**
 * `candour keys generate`: a force unit's key pair, made on the offline
 * machine. The public half goes to the server operator for keys/<force-id>/;
 * the secret half, locked by a passphrase, never leaves the offline machine
 * (but for an encrypted backup).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import { generateUnitKeyPair, UNIT_KEY_TYPES, type UnitKeyType } from '../../crypto/unit-keys.js'
import { utcMidnight } from '../../domain/dates.js'
import { findForce } from '../../domain/forces.js'
import { CandourError } from '../../errors.js'
import { keysCommand } from './keys-group.js'
import { newPassphrase } from './passphrase.js'

/** Options of `keys generate`. */
export interface GenerateOptions {
  readonly force: string
  readonly out: string
  readonly type: string
  readonly name?: string
  readonly passphraseFile?: string
}

async function writeNew (file: string, content: string, mode: number): Promise<void> {
  try {
    await writeFile(file, content, { flag: 'wx', mode })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CandourError('OUTPUT_EXISTS', 'a key file of that name already exists', { cause: err })
    throw err
  }
}

/** Generates and writes a unit key pair; returns its fingerprint. */
export async function generateKeys (options: GenerateOptions, out: (line: string) => void): Promise<string> {
  const force = findForce(options.force)
  if (force === undefined) throw new CandourError('FORCE_UNKNOWN', 'unknown force')
  if (!(UNIT_KEY_TYPES as readonly string[]).includes(options.type)) throw new CandourError('VALIDATION_FAILED', 'key type must be curve25519 or rsa4096')
  const name = options.name ?? `${force.name} ${force.unit}`
  if (name.trim() === '') throw new CandourError('VALIDATION_FAILED', 'the key name is empty')
  const passphrase = await newPassphrase(options.passphraseFile)
  out(`generating a ${options.type} key pair for ${force.name}...`)
  // The creation date is a UTC midnight, like every date Candour writes: no time of day.
  const pair = await generateUnitKeyPair({ type: options.type as UnitKeyType, name, passphrase, date: utcMidnight() })
  await mkdir(options.out, { recursive: true, mode: 0o700 })
  const stem = `${force.id}-${pair.fingerprint.slice(-16)}`
  const publicFile = path.join(options.out, `${stem}.public.asc`)
  const secretFile = path.join(options.out, `${stem}.secret.asc`)
  await writeNew(secretFile, pair.secretKey, 0o600)
  await writeNew(publicFile, pair.publicKey, 0o644)
  out(`fingerprint: ${pair.fingerprint}`)
  out(`public key:  ${publicFile}`)
  out(`  give this file, and only this one, to the server operator for keys/${force.id}/`)
  out(`secret key:  ${secretFile}`)
  out('  keep it on this offline machine only (and an encrypted backup); never copy it to a networked computer')
  return pair.fingerprint
}

/** Registers `keys generate` on the program. */
export function registerKeysGenerate (cli: Command, out: (line: string) => void): void {
  keysCommand(cli).command('generate')
    .description('generate a unit key pair (v4, readable by GnuPG 2.2), its secret half protected by a passphrase')
    .requiredOption('--force <id>', 'force id (see `candour forces`)')
    .requiredOption('--out <dir>', 'folder to write the two key files into')
    .option('--type <type>', 'curve25519 or rsa4096', 'curve25519')
    .option('--name <name>', "the key's user id (default: the force and its unit)")
    .option('--passphrase-file <file>', 'read the passphrase from the first line of this file instead of asking')
    .action(async (options: GenerateOptions) => { await generateKeys(options, out) })
}
