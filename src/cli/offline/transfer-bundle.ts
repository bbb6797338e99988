/**
 * Re-encrypting a report bundle for another force, on the offline machine:
 * every item is decrypted with the unit's key and encrypted again, streaming,
 * to the receiving force's keys only, into a zip of the same layout
 * (`NN-kind.gpg` entries and `manifest.json` at its root) that the reviewer
 * workspace's transfer form accepts. The manifest is the original with each
 * item's size updated to its new ciphertext; nothing is added to it. The zip
 * is written under a hidden partial name and given its name only when whole.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import yazl from 'yazl'
import type { SecretKeys } from '../../crypto/decrypt.js'
import type { RecipientKeys } from '../../crypto/keys.js'
import { reencryptItem } from '../../crypto/reencrypt.js'
import { inspectKeys, recipientsOf, type InspectedKey } from '../../crypto/unit-keys.js'
import { utcDate, utcMidnight } from '../../domain/dates.js'
import { sanitizeFilename } from '../../domain/filenames.js'
import { CandourError, isCandourError } from '../../errors.js'
import { openBundle, type Bundle } from './bundle-source.js'
import { keyFiles, keyText } from './key-files.js'
import { keyLines } from './key-report.js'
import { readKeyFile, unlock } from './secret-key.js'

/** Options of `candour transfer`. */
export interface TransferOptions {
  readonly bundle: string
  readonly key: string
  readonly to: string
  readonly out: string
  readonly passphraseFile?: string
}

/** The receiving force's keys, each checked as the server checks keys; fails with KEY_INVALID if any is unusable. */
async function receivingKeys (location: string, print: (line: string) => void): Promise<RecipientKeys> {
  const keys: InspectedKey[] = []
  for (const file of await keyFiles(location)) {
    try {
      keys.push(...await inspectKeys(await keyText(file)))
    } catch (err) {
      if (isCandourError(err, 'KEY_INVALID')) print(`${file}: not an armored OpenPGP key`)
      throw err
    }
  }
  if (keys.length === 0) throw new CandourError('KEY_INVALID', 'no receiving key found')
  for (const key of keys) {
    print('receiving key:')
    for (const line of keyLines(key)) print(line)
  }
  if (keys.some((key) => key.problems.length > 0)) throw new CandourError('KEY_INVALID', 'a receiving key is unusable')
  return recipientsOf(keys)
}

// yazl writes DOS dates with the local clock: local midnight of today's UTC date carries no time of day.
function zipDate (): Date {
  const [year, month, day] = utcDate().split('-').map(Number) as [number, number, number]
  return new Date(year, month - 1, day)
}

async function * counted (source: AsyncIterable<Uint8Array>, sizes: Map<string, number>, name: string): AsyncGenerator<Uint8Array> {
  let total = 0
  for await (const chunk of source) {
    total += chunk.byteLength
    yield chunk
  }
  sizes.set(name, total)
}

/** The original manifest with every item's size replaced by its new ciphertext size. */
function updatedManifest (manifest: Readonly<Record<string, unknown>>, sizes: ReadonlyMap<string, number>): Uint8Array {
  const resize = (list: unknown): unknown => Array.isArray(list)
    ? list.map((entry: Record<string, unknown>) => ({ ...entry, size: sizes.get(entry.file as string) ?? entry.size }))
    : list
  const copy = { ...manifest, items: resize(manifest.items), ...(manifest.replies === undefined ? {} : { replies: resize(manifest.replies) }) }
  return new TextEncoder().encode(JSON.stringify(copy, null, 2) + '\n')
}

async function writeZip (bundle: Bundle, keys: SecretKeys, recipients: RecipientKeys, file: string): Promise<void> {
  const zip = new yazl.ZipFile()
  const mtime = zipDate()
  const entryOptions = { compress: false, mtime, mode: 0o100600, forceDosTimestamp: true }
  const sizes = new Map<string, number>()
  const date = utcMidnight()
  let fail!: (err: unknown) => void
  const failed = new Promise<never>((_resolve, reject) => { fail = reject })
  zip.on('error', (err: unknown) => fail(err))
  for (const item of bundle.items) {
    zip.addReadStreamLazy(item.file, entryOptions, (cb) => {
      const encrypted = reencryptItem(bundle.open(item), keys, recipients, { date, filename: sanitizeFilename })
      const stream = Readable.from(counted(encrypted, sizes, item.file))
      stream.on('error', (err) => fail(err))
      cb(null, stream)
    })
  }
  // Asked for only when every item before it is written, so the sizes are known.
  zip.addReadStreamLazy('manifest.json', entryOptions, (cb) => { cb(null, Readable.from([updatedManifest(bundle.manifest, sizes)])) })
  zip.end()
  const written = pipeline(zip.outputStream, createWriteStream(file, { flags: 'wx', mode: 0o600 }))
  try {
    await Promise.race([written, failed])
  } catch (err) {
    (zip.outputStream as unknown as Readable).destroy()
    await written.catch(() => {})
    throw err
  }
}

/** Runs `candour transfer`; `print` receives each line of the summary. Returns the number of items re-encrypted. */
export async function transferBundle (options: TransferOptions, print: (line: string) => void): Promise<number> {
  const locked = await readKeyFile(options.key)
  const recipients = await receivingKeys(options.to, print)
  const target = path.resolve(options.out)
  if (await lstat(target).then(() => true, () => false)) throw new CandourError('OUTPUT_EXISTS', 'the output file already exists')
  const bundle = await openBundle(options.bundle)
  try {
    const keys = await unlock(locked, options.passphraseFile)
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 })
    const partial = path.join(path.dirname(target), `.candour-${randomBytes(8).toString('hex')}.partial`)
    try {
      await writeZip(bundle, keys, recipients, partial)
      // Claimed with O_EXCL, so nothing that appeared meanwhile (a symlink included) is followed or replaced.
      try {
        await (await open(target, 'wx', 0o600)).close()
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CandourError('OUTPUT_EXISTS', 'the output file already exists', { cause: err })
        throw err
      }
      await rename(partial, target)
    } finally {
      await rm(partial, { force: true })
    }
    for (const item of bundle.items) print(`${item.file} re-encrypted`)
    print(`wrote ${target}, encrypted to ${recipients.fingerprints.join(', ')} only`)
    return bundle.items.length
  } finally {
    await bundle.close()
  }
}
