/**
 * Streaming OpenPGP encryption to a force's keys. Plaintext is read in
 * bounded chunks and leaves as ciphertext chunks; nothing is buffered whole
 * and nothing touches disk. Messages are one public-key session key packet per
 * recipient (made by openpgp.js) followed by one SEIPDv1 packet without
 * compression (made by seipd.ts on node:crypto), the form GnuPG 2.2, Sequoia
 * and openpgp.js all read.
 */
import { randomBytes } from 'node:crypto'
import * as openpgp from 'openpgp'
import { asCiphertext, type Ciphertext } from './ciphertext.js'
import type { RecipientKeys } from './keys.js'
import { PART_BYTES, seipdStream, type SymmetricName } from './seipd.js'

/** Size of the chunks handed to the store: one partial body part of the SEIPD packet (plus its length octet). */
export const CHUNK_BYTES = PART_BYTES

const config: openpgp.PartialConfig = { aeadProtect: false }

/** Regroups a byte stream into chunks of exactly `size` bytes (the last may be shorter). */
export async function * rechunk (source: AsyncIterable<Uint8Array>, size: number = CHUNK_BYTES): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  for await (const piece of source) {
    let chunk = piece
    while (chunk.byteLength > 0) {
      const take = Math.min(size - pendingBytes, chunk.byteLength)
      pending.push(chunk.subarray(0, take))
      pendingBytes += take
      chunk = chunk.subarray(take)
      if (pendingBytes === size) {
        yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes)
        pending = []
        pendingBytes = 0
      }
    }
  }
  if (pendingBytes > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes)
}

/** Options of one encrypted item. */
export interface EncryptOptions {
  /** Name in the literal data packet: the sanitised original file name, or a fixed one. */
  readonly filename: string
  /** Date written in the literal data packet; callers pass a UTC midnight so no time of day is recorded. */
  readonly date: Date
}

// The cipher chosen per set of keys, as openpgp.js chooses it: AES-256 when every key lists it, else AES-128.
const cipherOf = new WeakMap<RecipientKeys, Promise<SymmetricName>>()

async function chooseCipher (recipients: RecipientKeys): Promise<SymmetricName> {
  const preferences = await Promise.all(recipients.keys.map(async (key) => {
    try {
      return (await key.getPrimaryUser()).selfCertification.preferredSymmetricAlgorithms ?? []
    } catch {
      return []
    }
  }))
  return preferences.every((list) => list.includes(openpgp.enums.symmetric.aes256)) ? 'aes256' : 'aes128'
}

/** Encrypts a byte stream to every recipient key, yielding ciphertext chunks of about CHUNK_BYTES. */
export async function * encryptStream (source: AsyncIterable<Uint8Array>, recipients: RecipientKeys, options: EncryptOptions): AsyncGenerator<Ciphertext> {
  let algorithm = cipherOf.get(recipients)
  if (algorithm === undefined) {
    algorithm = chooseCipher(recipients)
    cipherOf.set(recipients, algorithm)
  }
  const name = await algorithm
  const sessionKey = randomBytes(name === 'aes256' ? 32 : 16)
  try {
    const head = await openpgp.encryptSessionKey({
      data: sessionKey,
      algorithm: name,
      encryptionKeys: [...recipients.keys],
      format: 'binary',
      config,
    })
    for await (const chunk of seipdStream(source, { algorithm: name, sessionKey, filename: options.filename, date: options.date, head })) {
      yield asCiphertext(chunk)
    }
  } finally {
    // node:crypto keeps its own copy inside the cipher; this one is no longer needed.
    sessionKey.fill(0)
  }
}

/** Encrypts bytes already in memory (a report text, contact details) to every recipient key. */
export async function * encryptBytes (plaintext: Uint8Array, recipients: RecipientKeys, options: EncryptOptions): AsyncGenerator<Ciphertext> {
  yield * encryptStream((async function * () { yield plaintext })(), recipients, options)
}
