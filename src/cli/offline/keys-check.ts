/** `candour keys check`: the server's own key checks, run on key files anywhere, with a verdict per key. */
import type { Command } from 'commander'
import { recipientKeys } from '../../crypto/keys.js'
import { inspectKeys } from '../../crypto/unit-keys.js'
import { EXPIRY_WARNING_DAYS, forceKeyExpiry } from '../../domain/key-expiry.js'
import { CandourError, isCandourError } from '../../errors.js'
import { keyFiles, keyText } from './key-files.js'
import { keyLines } from './key-report.js'
import { keysCommand } from './keys-group.js'

/** Checks every key at `location`, printing a verdict per key; fails with KEY_INVALID if any is unusable. */
export async function checkKeys (location: string, out: (line: string) => void, now: Date = new Date()): Promise<number> {
  const files = await keyFiles(location)
  let expiring = 0
  let usable = 0
  let unusable = 0
  for (const file of files) {
    out(file)
    try {
      for (const key of await inspectKeys(await keyText(file), now)) {
        const soon = key.problems.length > 0 ? undefined : await forceKeyExpiry(recipientKeys([key.key]), now)
        for (const line of keyLines(key, soon === undefined ? undefined : { date: soon, days: EXPIRY_WARNING_DAYS })) out(line)
        if (soon !== undefined) expiring++
        if (key.problems.length === 0) usable++
        else unusable++
      }
    } catch (err) {
      if (!isCandourError(err, 'KEY_INVALID')) throw err
      out('  problem: not an armored OpenPGP key')
      out('  verdict: UNUSABLE')
      unusable++
    }
  }
  out(`${usable} usable key(s), ${unusable} unusable${expiring > 0 ? `, ${expiring} expiring within ${EXPIRY_WARNING_DAYS} days` : ''}`)
  if (unusable > 0) throw new CandourError('KEY_INVALID', 'one or more keys are unusable')
  if (usable === 0) throw new CandourError('KEY_INVALID', 'no key found')
  return usable
}

/** Registers `keys check` on the program. */
export function registerKeysCheck (cli: Command, out: (line: string) => void): void {
  keysCommand(cli).command('check')
    .description('check key files as the server does at start (fingerprint, algorithm, size, expiry, problems, verdict)')
    .argument('<file-or-dir>', 'a key file, or a folder searched for .asc files (such as keys/)')
    .action(async (location: string) => { await checkKeys(location, out) })
}
