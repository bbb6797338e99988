/**
 * The reporter's reply key pair: replies from the force are encrypted to its
 * public half, and its secret half is kept locked with a passphrase derived
 * from the codename, so the server alone cannot read a reply.
 */
import * as openpgp from 'openpgp'

/** A new reply key pair, the secret half locked. */
export interface ReplyKeyPair {
  readonly publicKey: string
  readonly lockedSecretKey: string
}

/** Generates a v4 Curve25519 reply key pair locked with `passphrase`; `date` is a UTC midnight. */
export async function generateReplyKeyPair (passphrase: string, date: Date): Promise<ReplyKeyPair> {
  const { publicKey, privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'Candour reporter' }],
    passphrase,
    date,
    format: 'armored',
    config: { aeadProtect: false, v6Keys: false },
  })
  return Object.freeze({ publicKey, lockedSecretKey: privateKey })
}
