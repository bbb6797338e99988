/**
 * What a force's offline machine does in a transfer, done in the test: unzip a
 * downloaded bundle, decrypt each file with the sending force's secret key and
 * encrypt it to the receiving force's keys, and zip the result (yazl, yauzl).
 */
import * as openpgp from 'openpgp'
import yauzl from 'yauzl'
import yazl from 'yazl'
import { encryptBytes } from '../../src/crypto/encrypt.js'
import { recipientsFromArmored, type RecipientKeys } from '../../src/crypto/keys.js'
import { bundleFiles } from '../../src/domain/bundles.js'
import type { Kv } from '../../src/store/kv.js'
import type { ReportRecord } from '../../src/store/records.js'

/** One file of a zip. */
export interface NamedBytes {
  readonly name: string
  readonly bytes: Buffer
  /** As read from a zip: the DOS date and time fields, the extra field ids, and the compression method. */
  readonly zip?: { readonly dosDate: number; readonly dosTime: number; readonly extraIds: readonly number[]; readonly method: number }
}

/** A fresh v4 Curve25519 key pair, armored (as the demo keys are). */
export async function keyPair (name: string): Promise<{ publicKey: string; privateKey: string; recipients: RecipientKeys }> {
  const { publicKey, privateKey } = await openpgp.generateKey({
    type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name }], format: 'armored', config: { v6Keys: false, aeadProtect: false },
  })
  return { publicKey, privateKey, recipients: await recipientsFromArmored(publicKey) }
}

/** The files of a zip, in order. */
export async function unzip (zip: Buffer): Promise<NamedBytes[]> {
  const file = await yauzl.fromBufferPromise(zip, { lazyEntries: true })
  const out: NamedBytes[] = []
  for await (const entry of file.eachEntry()) {
    const parts: Buffer[] = []
    for await (const chunk of await file.openReadStreamPromise(entry)) parts.push(chunk as Buffer)
    out.push({
      name: entry.fileName,
      bytes: Buffer.concat(parts),
      zip: { dosDate: entry.lastModFileDate, dosTime: entry.lastModFileTime, extraIds: entry.extraFields.map((f) => f.id), method: entry.compressionMethod },
    })
  }
  return out
}

/** A zip of the files, stored (or deflated when asked). */
export async function zip (files: readonly NamedBytes[], options: { compress?: boolean } = {}): Promise<Buffer> {
  const archive = new yazl.ZipFile()
  for (const file of files) archive.addBuffer(file.bytes, file.name, { compress: options.compress === true })
  archive.end()
  const parts: Buffer[] = []
  for await (const chunk of archive.outputStream as AsyncIterable<Buffer>) parts.push(chunk)
  return Buffer.concat(parts)
}

/** Decrypts an OpenPGP message with an unprotected armored secret key. */
export async function decryptWith (privateKeyArmored: string, ciphertext: Uint8Array): Promise<{ data: Buffer; filename: string }> {
  const decryptionKeys = await openpgp.readPrivateKey({ armoredKey: privateKeyArmored })
  const message = await openpgp.readMessage({ binaryMessage: ciphertext })
  const { data, filename } = await openpgp.decrypt({ message, decryptionKeys, format: 'binary' })
  return { data: Buffer.from(data as Uint8Array), filename }
}

/** Encrypts bytes to recipient keys the way the service does. */
export async function encryptTo (recipients: RecipientKeys, plaintext: Uint8Array, filename = 'item.bin'): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const chunk of encryptBytes(plaintext, recipients, { filename, date: new Date('2025-01-01T00:00:00Z') })) parts.push(chunk)
  return Buffer.concat(parts)
}

/** Re-encrypts every .gpg file of a bundle from one key to other recipients, keeping names and the manifest. */
export async function reencryptBundle (files: readonly NamedBytes[], fromSecretKey: string, to: RecipientKeys): Promise<NamedBytes[]> {
  const out: NamedBytes[] = []
  for (const file of files) {
    if (!file.name.endsWith('.gpg')) { out.push(file); continue }
    const { data, filename } = await decryptWith(fromSecretKey, file.bytes)
    out.push({ name: file.name, bytes: await encryptTo(to, data, filename) })
  }
  return out
}

/** Every file of a report's bundle as the store holds it (what a reviewer downloads, unzipped). */
export async function bundleBytes (kv: Kv, report: ReportRecord): Promise<NamedBytes[]> {
  const out: NamedBytes[] = []
  for (const file of bundleFiles(kv, report)) {
    const parts: Uint8Array[] = []
    for await (const part of file.content()) parts.push(part)
    out.push({ name: file.name, bytes: Buffer.concat(parts) })
  }
  return out
}
