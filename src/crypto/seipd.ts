/**
 * A streaming encoder of the OpenPGP Symmetrically Encrypted Integrity
 * Protected Data packet, version 1 (RFC 4880 section 5.13; RFC 9580 section
 * 5.13.1), built on node:crypto's AES-CFB and SHA-1. openpgp.js produces the
 * same packet through web streams that copy each chunk several times; profiling
 * the upload path showed those copies and the garbage they leave costing more
 * than the cipher itself (docs/performance.md), so the bulk data takes this
 * route and openpgp.js still wraps the session key (encrypt.ts).
 *
 * Layout of the packet body: version 1, then AES-CFB with a zero IV over
 *   16 random bytes + their last two repeated,
 *   a literal data packet (format 'b', file name, date, the data),
 *   the MDC packet 0xD3 0x14 + SHA-1 of everything before that hash.
 * Both the literal packet and the outer packet use partial body lengths of
 * PART_BYTES, so neither size needs to be known in advance; the last part
 * always carries a definite length of at least one byte.
 */
import { createCipheriv, createHash, randomBytes, type Cipher, type Hash } from 'node:crypto'

/**
 * Size of every partial body part, in both packets: 2^16 bytes. Each part of
 * the outer packet becomes one store chunk. LevelDB took 64-256 KiB values as
 * fast as or faster than 1 MiB ones, and an upload in flight holds about four
 * parts, so a hundred uploads at once hold tens of MiB (docs/performance.md).
 */
export const PART_BITS = 16
/** Bytes in one partial body part. */
export const PART_BYTES = 1 << PART_BITS
const PART_HEADER = 0xe0 + PART_BITS

const TAG_LITERAL = 0xc0 | 11
const TAG_SEIPD = 0xc0 | 18
const MDC_HEADER = new Uint8Array([0xc0 | 19, 20])
const LITERAL_BINARY = 0x62
const SEIPD_VERSION = new Uint8Array([1])

/** The symmetric ciphers this encoder speaks, by OpenPGP name. */
export type SymmetricName = 'aes128' | 'aes256'

/** Options of one packet. */
export interface SeipdOptions {
  readonly algorithm: SymmetricName
  /** The session key: 16 bytes for aes128, 32 for aes256. */
  readonly sessionKey: Uint8Array
  /** File name of the literal data packet, at most 255 UTF-8 bytes. */
  readonly filename: string
  /** Date of the literal data packet. */
  readonly date: Date
  /** Bytes written before the packet in the first chunk (the session key packets). */
  readonly head?: Uint8Array
}

/** A definite body length in OpenPGP's new format (one, two or five octets). */
export function definiteLength (length: number): Uint8Array {
  if (length < 192) return new Uint8Array([length])
  if (length < 8384) return new Uint8Array([((length - 192) >> 8) + 192, (length - 192) & 0xff])
  return new Uint8Array([0xff, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff])
}

/**
 * The outer packet's writer: body bytes are copied once into chunk buffers of
 * one part each; a full part is closed as partial only when more body follows.
 */
class PacketWriter {
  readonly #done: Uint8Array[] = []
  #buf: Buffer
  // Offset of the current part's body in #buf; the byte before it is the part's length header.
  #start: number
  #pos: number

  constructor (head: Uint8Array, tag: number) {
    this.#buf = Buffer.allocUnsafe(head.byteLength + 2 + PART_BYTES)
    this.#buf.set(head, 0)
    this.#buf[head.byteLength] = tag
    this.#start = head.byteLength + 2
    this.#pos = this.#start
  }

  write (bytes: Uint8Array): void {
    let offset = 0
    while (offset < bytes.byteLength) {
      if (this.#pos - this.#start === PART_BYTES) {
        this.#buf[this.#start - 1] = PART_HEADER
        this.#done.push(this.#buf)
        this.#buf = Buffer.allocUnsafe(1 + PART_BYTES)
        this.#start = 1
        this.#pos = 1
      }
      const take = Math.min(bytes.byteLength - offset, PART_BYTES - (this.#pos - this.#start))
      this.#buf.set(bytes.subarray(offset, offset + take), this.#pos)
      this.#pos += take
      offset += take
    }
  }

  /** Chunks completed so far, handed over once. */
  take (): Uint8Array[] {
    return this.#done.splice(0)
  }

  /** Closes the packet with a definite length on its last part; returns the remaining chunks. */
  end (): Uint8Array[] {
    const length = definiteLength(this.#pos - this.#start)
    const before = this.#start - 1
    const last = Buffer.allocUnsafe(before + length.byteLength + this.#pos - this.#start)
    last.set(this.#buf.subarray(0, before), 0)
    last.set(length, before)
    last.set(this.#buf.subarray(this.#start, this.#pos), before + length.byteLength)
    this.#done.push(last)
    return this.take()
  }
}

/** The plaintext side: hashes for the MDC and encrypts into the outer packet. */
class Encryptor {
  readonly #cipher: Cipher
  readonly #hash: Hash = createHash('sha1')
  readonly #out: PacketWriter

  constructor (options: SeipdOptions) {
    const keyBytes = options.algorithm === 'aes256' ? 32 : 16
    if (options.sessionKey.byteLength !== keyBytes) throw new TypeError('session key length does not match the cipher')
    this.#cipher = createCipheriv(`${options.algorithm === 'aes256' ? 'aes-256' : 'aes-128'}-cfb`, options.sessionKey, Buffer.alloc(16))
    this.#out = new PacketWriter(options.head ?? new Uint8Array(0), TAG_SEIPD)
    this.#out.write(SEIPD_VERSION)
    const prefix = Buffer.allocUnsafe(18)
    randomBytes(16).copy(prefix)
    prefix[16] = prefix[14]!
    prefix[17] = prefix[15]!
    this.push(prefix)
  }

  push (plaintext: Uint8Array): void {
    if (plaintext.byteLength === 0) return
    this.#hash.update(plaintext)
    this.#out.write(this.#cipher.update(plaintext))
  }

  take (): Uint8Array[] {
    return this.#out.take()
  }

  end (): Uint8Array[] {
    this.push(MDC_HEADER)
    this.#out.write(this.#cipher.update(this.#hash.digest()))
    this.#out.write(this.#cipher.final())
    return this.#out.end()
  }
}

function literalHeader (filename: string, date: Date): Uint8Array {
  const name = Buffer.from(filename, 'utf8')
  if (name.byteLength > 255) throw new TypeError('literal data file name longer than 255 bytes')
  const header = Buffer.allocUnsafe(2 + name.byteLength + 4)
  header[0] = LITERAL_BINARY
  header[1] = name.byteLength
  name.copy(header, 2)
  header.writeUInt32BE(Math.floor(date.getTime() / 1000), 2 + name.byteLength)
  return header
}

/** Encrypts a byte stream into one SEIPDv1 packet (preceded by `head`), yielding chunks of about PART_BYTES. */
export async function * seipdStream (source: AsyncIterable<Uint8Array>, options: SeipdOptions): AsyncGenerator<Uint8Array> {
  const enc = new Encryptor(options)
  // The literal packet's body waits here until more than a part is known, so a
  // partial length is written only when more follows and the last part is never empty.
  let pending: Uint8Array[] = [literalHeader(options.filename, options.date)]
  let pendingBytes = pending[0]!.byteLength
  let tagWritten = false
  const tag = (): void => {
    if (!tagWritten) enc.push(new Uint8Array([TAG_LITERAL]))
    tagWritten = true
  }
  for await (const piece of source) {
    if (piece.byteLength === 0) continue
    pending.push(piece)
    pendingBytes += piece.byteLength
    while (pendingBytes > PART_BYTES) {
      tag()
      enc.push(new Uint8Array([PART_HEADER]))
      let need = PART_BYTES
      while (need > 0) {
        const first = pending[0]!
        if (first.byteLength <= need) {
          enc.push(first)
          need -= first.byteLength
          pending.shift()
        } else {
          enc.push(first.subarray(0, need))
          pending[0] = first.subarray(need)
          need = 0
        }
      }
      pendingBytes -= PART_BYTES
    }
    for (const chunk of enc.take()) yield chunk
  }
  tag()
  enc.push(definiteLength(pendingBytes))
  for (const piece of pending) enc.push(piece)
  pending = []
  for (const chunk of enc.end()) yield chunk
}
