/**
 * The reporter's reply key pair: replies from the force are encrypted to its
 * public half, and its secret half is kept locked with a passphrase derived
 * from the codename, so the server alone cannot read a reply. It is unlocked
 * only in memory, for the length of a reporter's visit.
 */
import * as openpgp from 'openpgp'
import { CandourError } from '../errors.js'

/** A new reply key pair, the secret half locked. */
export interface ReplyKeyPair {
  readonly publicKey: string
  readonly lockedSecretKey: string
}

/** An unlocked reply key; opaque outside crypto/. */
export interface UnlockedReplyKey {
  /** @internal */
  readonly key: openpgp.PrivateKey
}

/**
 * The S2K iteration count of the lock: 65,536 bytes hashed instead of
 * openpgp.js's default 16 MiB. The passphrase is already 256 bits from scrypt
 * over the codename, so stretching it again adds nothing an attacker must pay:
 * the cheapest attack, guessing codenames against the reporter identifier, never
 * touches this lock. The default cost 2 x 16 MiB of SHA-256 on the event loop at
 * every new report and every login (profiled in docs/performance.md).
 */
const S2K_COUNT_BYTE = 0x60

/** Generates a v4 Curve25519 reply key pair locked with `passphrase`; `date` is a UTC midnight. */
export async function generateReplyKeyPair (passphrase: string, date: Date): Promise<ReplyKeyPair> {
  const { publicKey, privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'Candour reporter' }],
    passphrase,
    date,
    format: 'armored',
    config: { aeadProtect: false, v6Keys: false, s2kIterationCountByte: S2K_COUNT_BYTE },
  })
  return Object.freeze({ publicKey, lockedSecretKey: privateKey })
}

/** Unlocks a reply secret key; undefined when the passphrase is wrong. */
export async function unlockReplyKey (lockedSecretKey: string, passphrase: string): Promise<UnlockedReplyKey | undefined> {
  const privateKey = await openpgp.readPrivateKey({ armoredKey: lockedSecretKey })
  try {
    return Object.freeze({ key: await openpgp.decryptKey({ privateKey, passphrase }) })
  } catch {
    return undefined
  }
}

/** Decrypts a short message (a reply) with an unlocked reply key, as UTF-8 text. */
export async function decryptReply (ciphertext: Uint8Array, unlocked: UnlockedReplyKey): Promise<string> {
  try {
    const message = await openpgp.readMessage({ binaryMessage: ciphertext })
    const { data } = await openpgp.decrypt({ message, decryptionKeys: unlocked.key, format: 'binary' })
    return new TextDecoder('utf-8', { fatal: false }).decode(data as Uint8Array)
  } catch (err) {
    throw new CandourError('ENCRYPTION_FAILED', 'reply could not be decrypted', { cause: err })
  }
}
