/**
 * Decryption on the unit's offline machine: a secret key unlocked by its
 * passphrase, and one bundle item decrypted as a stream.
 *
 * openpgp.js holds back the plaintext of a SEIPDv1 message until its
 * modification detection code (MDC) at the very end has been checked, which
 * means buffering the whole item: 700 MiB of memory for a 200 MiB attachment.
 * So the plaintext is streamed before it is authenticated
 * (`allowUnauthenticatedStream`), and the stream fails at its end when the
 * check fails. Callers must therefore treat what they wrote as provisional
 * until the stream has ended without error, and delete it otherwise (the
 * command line writes to a hidden partial file and gives it its name only
 * then).
 */
import { Readable } from 'node:stream'
import * as openpgp from 'openpgp'
import { CandourError, isCandourError } from '../errors.js'
import { readArmoredKeys } from './keys.js'

/** Secret keys read from a key file; opaque outside crypto/. */
export interface SecretKeys {
  /** True while any key still needs its passphrase. */
  readonly locked: boolean
  /** Fingerprints, upper-case hex. */
  readonly fingerprints: readonly string[]
  /** @internal */
  readonly keys: readonly openpgp.PrivateKey[]
}

/** One item being decrypted. */
export interface DecryptedItem {
  /** The name in the literal data packet, as the sender wrote it: never trust it as a path. */
  readonly filename: string
  /** The plaintext; fails with MESSAGE_DAMAGED at the end if the message was altered or cut short. */
  readonly data: AsyncIterable<Uint8Array>
}

const WILDCARD_KEY_ID = '0000000000000000'

const DECRYPT_CONFIG: openpgp.PartialConfig = {
  // Stream the plaintext and report a failed integrity check at the end (see above).
  allowUnauthenticatedStream: true,
}

function secretKeys (keys: readonly openpgp.PrivateKey[]): SecretKeys {
  return Object.freeze({
    locked: keys.some((key) => !key.isDecrypted()),
    fingerprints: Object.freeze(keys.map((key) => key.getFingerprint().toUpperCase())),
    keys: Object.freeze([...keys]),
  })
}

/** Reads the secret keys of a key file (armored, several blocks allowed, or binary); fails with KEY_INVALID. */
export async function readSecretKeys (content: Uint8Array): Promise<SecretKeys> {
  let keys: openpgp.Key[]
  try {
    const text = Buffer.from(content).toString('latin1')
    keys = text.includes('-----BEGIN PGP')
      ? await readArmoredKeys(text)
      : await openpgp.readKeys({ binaryKeys: content })
  } catch (err) {
    throw new CandourError('KEY_INVALID', 'not an OpenPGP secret key file', { cause: err })
  }
  const secret = keys.filter((key): key is openpgp.PrivateKey => key.isPrivate())
  if (secret.length === 0) throw new CandourError('KEY_INVALID', 'the key file holds no secret key')
  return secretKeys(secret)
}

/** Unlocks every locked key with the passphrase; fails with PASSPHRASE_WRONG. */
export async function unlockSecretKeys (keys: SecretKeys, passphrase: string): Promise<SecretKeys> {
  const unlocked: openpgp.PrivateKey[] = []
  for (const key of keys.keys) {
    if (key.isDecrypted()) {
      unlocked.push(key)
      continue
    }
    try {
      unlocked.push(await openpgp.decryptKey({ privateKey: key, passphrase }))
    } catch (err) {
      throw new CandourError('PASSPHRASE_WRONG', 'wrong passphrase for the secret key', { cause: err })
    }
  }
  return secretKeys(unlocked)
}

function damaged (cause?: unknown): CandourError {
  return new CandourError('MESSAGE_DAMAGED', 'an encrypted item is damaged or incomplete', cause === undefined ? {} : { cause })
}

function mismatch (cause?: unknown): CandourError {
  return new CandourError('KEY_MISMATCH', 'an encrypted item is not encrypted to this key', cause === undefined ? {} : { cause })
}

async function * plaintext (stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>
      try {
        next = await reader.read()
      } catch (err) {
        throw damaged(err)
      }
      if (next.done) return
      yield next.value
    }
  } finally {
    // Stopped early (a write failed): let openpgp and the file being read go.
    await reader.cancel().catch(() => {})
  }
}

/**
 * Starts decrypting one OpenPGP message with unlocked keys. Fails with
 * KEY_MISMATCH when the message is not for these keys and MESSAGE_DAMAGED
 * when it cannot be read; later damage shows when `data` is read.
 */
export async function decryptItem (ciphertext: AsyncIterable<Uint8Array>, keys: SecretKeys): Promise<DecryptedItem> {
  if (keys.locked) throw new TypeError('secret keys are still locked')
  const input = Readable.toWeb(Readable.from(ciphertext)) as ReadableStream<Uint8Array>
  try {
    let message: openpgp.Message<ReadableStream<Uint8Array>>
    try {
      message = await openpgp.readMessage({ binaryMessage: input })
    } catch (err) {
      throw damaged(err)
    }
    const ours = new Set(keys.keys.flatMap((key) => key.getKeys().map((k) => k.getKeyID().toHex().toUpperCase())))
    const recipients = message.getEncryptionKeyIDs().map((id) => id.toHex().toUpperCase())
    const addressed = recipients.some((id) => ours.has(id))
    // A hidden recipient (wildcard key id) may still be us: only trying tells.
    if (!addressed && !recipients.includes(WILDCARD_KEY_ID)) throw mismatch()
    let result: { data: ReadableStream<Uint8Array>; filename: string }
    try {
      result = await openpgp.decrypt({ message, decryptionKeys: [...keys.keys], format: 'binary', config: DECRYPT_CONFIG }) as unknown as typeof result
    } catch (err) {
      throw addressed ? damaged(err) : mismatch(err)
    }
    return Object.freeze({ filename: result.filename ?? '', data: plaintext(result.data) })
  } catch (err) {
    await input.cancel().catch(() => {})
    throw isCandourError(err) ? err : damaged(err)
  }
}
