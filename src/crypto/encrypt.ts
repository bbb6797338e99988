/**
 * Streaming OpenPGP encryption to a force's keys. Plaintext is read in
 * bounded chunks and leaves as ciphertext chunks; nothing is buffered whole
 * and nothing touches disk. Messages are SEIPDv1 without compression, the form
 * GnuPG 2.2, Sequoia and openpgp.js all read.
 */
import { Readable } from 'node:stream'
import * as openpgp from 'openpgp'
import { asCiphertext, type Ciphertext } from './ciphertext.js'
import type { RecipientKeys } from './keys.js'

/** Size of the chunks handed to the store; 1 MiB measured fastest with openpgp.js. */
export const CHUNK_BYTES = 1024 * 1024

const config: openpgp.PartialConfig = {
  preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
  aeadProtect: false,
}

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

/** Encrypts a byte stream to every recipient key, yielding ciphertext chunks of about CHUNK_BYTES. */
export async function * encryptStream (source: AsyncIterable<Uint8Array>, recipients: RecipientKeys, options: EncryptOptions): AsyncGenerator<Ciphertext> {
  const input = Readable.toWeb(Readable.from(rechunk(source))) as ReadableStream<Uint8Array>
  const message = await openpgp.createMessage({ binary: input, filename: options.filename, format: 'binary', date: options.date })
  const encrypted = await openpgp.encrypt({
    message,
    encryptionKeys: [...recipients.keys],
    format: 'binary',
    config,
  })
  for await (const chunk of rechunk(encrypted as unknown as AsyncIterable<Uint8Array>)) {
    yield asCiphertext(chunk)
  }
}

/** Encrypts bytes already in memory (a report text, contact details) to every recipient key. */
export async function * encryptBytes (plaintext: Uint8Array, recipients: RecipientKeys, options: EncryptOptions): AsyncGenerator<Ciphertext> {
  yield * encryptStream((async function * () { yield plaintext })(), recipients, options)
}
