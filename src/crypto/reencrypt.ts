/**
 * Re-encryption for a transfer to another force: one item decrypted with the
 * unit's key and encrypted again to the receiving force's keys, as a stream,
 * in the same form as the server writes (SEIPDv1, uncompressed). The
 * plaintext exists only in memory, chunk by chunk; if the original fails its
 * integrity check at the end, the new ciphertext stream fails too, so the
 * caller discards it.
 */
import { type Ciphertext } from './ciphertext.js'
import { decryptItem, type SecretKeys } from './decrypt.js'
import { encryptStream } from './encrypt.js'
import type { RecipientKeys } from './keys.js'

/** Options of reencryptItem. */
export interface ReencryptOptions {
  /** Date for the new literal data packet; callers pass a UTC midnight. */
  readonly date: Date
  /** Turns the literal packet's file name into the one to keep (callers sanitise it). */
  readonly filename: (original: string) => string
}

/** Decrypts one message and yields it encrypted to `recipients`; fails with KEY_MISMATCH or MESSAGE_DAMAGED. */
export async function * reencryptItem (ciphertext: AsyncIterable<Uint8Array>, keys: SecretKeys, recipients: RecipientKeys, options: ReencryptOptions): AsyncGenerator<Ciphertext> {
  const item = await decryptItem(ciphertext, keys)
  // openpgp may wrap an error of its input stream: keep the original (MESSAGE_DAMAGED) to rethrow.
  let failure: unknown
  const data = (async function * () {
    try {
      yield * item.data
    } catch (err) {
      failure = err
      throw err
    }
  })()
  try {
    yield * encryptStream(data, recipients, { filename: options.filename(item.filename), date: options.date })
  } catch (err) {
    throw failure ?? err
  }
}
