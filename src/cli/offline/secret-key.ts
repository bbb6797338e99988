/** The unit's secret key for `decrypt` and `transfer`: read from its file, unlocked with its passphrase. */
import { readFile } from 'node:fs/promises'
import { readSecretKeys, unlockSecretKeys, type SecretKeys } from '../../crypto/decrypt.js'
import { CandourError } from '../../errors.js'
import { passphraseFrom } from './passphrase.js'

/** Reads a secret key file (KEY_INVALID if it holds none). */
export async function readKeyFile (file: string): Promise<SecretKeys> {
  let content: Buffer
  try {
    content = await readFile(file)
  } catch (err) {
    throw new CandourError('KEY_INVALID', 'the secret key file cannot be read', { cause: err })
  }
  return readSecretKeys(content)
}

/** Unlocks the keys, asking for the passphrase only if one is needed (PASSPHRASE_WRONG if it is wrong). */
export async function unlock (keys: SecretKeys, passphraseFile: string | undefined): Promise<SecretKeys> {
  if (!keys.locked) return keys
  return unlockSecretKeys(keys, await passphraseFrom(passphraseFile, 'Passphrase of the secret key: '))
}
