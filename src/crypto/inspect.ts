/**
 * Reading OpenPGP messages the server did not write (a transfer bundle
 * re-encrypted on the force's offline machine): which keys a message is
 * encrypted to, read from its packets with openpgp's parser, never from a file
 * name or a manifest. Only messages of the form Candour writes are accepted:
 * one or more public-key session key packets, then one SEIPDv1 packet, and
 * nothing after it; no password packets, no AEAD (SEIPDv2), which GnuPG 2.2
 * cannot read. The server cannot decrypt anything here and does not try.
 */
import { Readable } from 'node:stream'
import * as openpgp from 'openpgp'
import { CandourError } from '../errors.js'
import { asCiphertext, type Ciphertext } from './ciphertext.js'
import { rechunk } from './encrypt.js'

const PKESK = openpgp.enums.packet.publicKeyEncryptedSessionKey
const SEIPD = openpgp.enums.packet.symEncryptedIntegrityProtectedData

// The few packet fields read here, typed plainly (openpgp's types do not expose them all).
interface AnyPacket { readonly version?: number; readonly encrypted?: ReadableStream<Uint8Array> | Uint8Array | null }
interface StreamedPacketList { readonly stream?: ReadableStream<unknown> }

function invalid (cause?: unknown): CandourError {
  return new CandourError('CIPHERTEXT_INVALID', 'not an OpenPGP message encrypted to public keys', cause === undefined ? {} : { cause })
}

async function drain (stream: ReadableStream<unknown> | undefined): Promise<void> {
  if (stream === undefined) return
  const reader = stream.getReader()
  for (;;) if ((await reader.read()).done) return
}

function tagOf (packet: unknown): number {
  return (packet as { constructor: { tag: number } }).constructor.tag
}

/**
 * The key ids (16 upper-case hex digits) an OpenPGP message is encrypted to.
 * Reads the whole message, streaming, so a truncated message or anything
 * after its encrypted packet is refused too. Fails with CIPHERTEXT_INVALID.
 */
export async function recipientKeyIds (chunks: AsyncIterable<Uint8Array>): Promise<string[]> {
  const input = Readable.toWeb(Readable.from(chunks)) as ReadableStream<Uint8Array>
  let message: openpgp.Message<ReadableStream<Uint8Array>>
  try {
    message = await openpgp.readMessage({ binaryMessage: input })
  } catch (err) {
    throw invalid(err)
  }
  const packets = [...message.packets]
  const last = packets.at(-1) as AnyPacket | undefined
  const head = packets.slice(0, -1)
  if (last === undefined || tagOf(last) !== SEIPD || last.version !== 1 || head.length === 0 || head.some((p) => tagOf(p) !== PKESK)) {
    await input.cancel().catch(() => {})
    throw invalid()
  }
  try {
    // The encrypted data, then whatever follows it: a parse error or a further packet is a refusal.
    const encrypted = last.encrypted
    if (encrypted instanceof ReadableStream) await drain(encrypted)
    await drain((message.packets as unknown as StreamedPacketList).stream)
  } catch (err) {
    throw invalid(err)
  }
  if (message.packets.length !== packets.length) throw invalid()
  return message.getEncryptionKeyIDs().map((id) => id.toHex().toUpperCase())
}

/** Whether two lists of key ids name the same set of keys. */
export function sameKeyIds (a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a.map((id) => id.toUpperCase()))
  const right = new Set(b.map((id) => id.toUpperCase()))
  return left.size === right.size && [...left].every((id) => right.has(id))
}

/**
 * Passes a message through as ciphertext for the store, in chunks of the
 * store's size, while checking it on the way: when it ends, it must have
 * parsed as a message (above) encrypted to exactly `keyIds`, else the
 * iteration fails with CIPHERTEXT_INVALID (or RECIPIENTS_MISMATCH) and the
 * blob being written is discarded by the store.
 */
export async function * checkedCiphertext (chunks: AsyncIterable<Uint8Array>, keyIds: readonly string[]): AsyncGenerator<Ciphertext> {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const tee = new ReadableStream<Uint8Array>({ start (c) { controller = c } })
  const verdict = recipientKeyIds((async function * () {
    const reader = tee.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  })())
  // Observed at once so an early refusal is never an unhandled rejection; rethrown below.
  let failure: unknown
  verdict.catch((err: unknown) => { failure = err })
  try {
    for await (const chunk of rechunk(chunks)) {
      if (failure !== undefined) throw failure
      controller.enqueue(chunk)
      yield asCiphertext(chunk)
    }
    controller.close()
  } catch (err) {
    try { controller.error(err) } catch {}
    throw err
  }
  const ids = await verdict
  if (!sameKeyIds(ids, keyIds)) throw new CandourError('RECIPIENTS_MISMATCH', 'message is not encrypted to exactly the expected keys')
}
