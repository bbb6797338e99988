/**
 * A report bundle as the offline commands read it: a zip downloaded from the
 * reviewer workspace, or one report folder written by `candour export`. Both
 * hold `NN-kind.gpg` files and a `manifest.json` at their root. The bundle is
 * checked before anything is decrypted: the manifest is well formed, every
 * item it lists is there, and no `.gpg` file is left out of it.
 */
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import yauzl from 'yauzl'
import { MANIFEST_FORMAT } from '../../domain/bundles.js'
import { CandourError } from '../../errors.js'

/** One encrypted file of a bundle. */
export interface BundleItem {
  /** File name at the bundle's root, e.g. `03-attachment.gpg`. */
  readonly file: string
  readonly kind: string
  /** Its size in bytes, as found (not as the manifest says). */
  readonly size: number
}

/** An opened bundle. */
export interface Bundle {
  /** The manifest exactly as found. */
  readonly manifestBytes: Uint8Array
  readonly manifest: Readonly<Record<string, unknown>>
  /** The report's items, then its replies, in manifest order. */
  readonly items: readonly BundleItem[]
  /** Reads one item's ciphertext. */
  open (item: BundleItem): AsyncIterable<Uint8Array>
  close (): Promise<void>
}

const MANIFEST = 'manifest.json'
const MAX_MANIFEST_BYTES = 1024 * 1024
const READ_CHUNK = 1024 * 1024
const KIND = /^[a-z][a-z0-9-]{0,39}$/u

function invalid (message: string, cause?: unknown): CandourError {
  return new CandourError('BUNDLE_INVALID', message, cause === undefined ? {} : { cause })
}

interface ListedItem { readonly file: string; readonly kind: string }

/** The items a manifest lists (`items`, then `replies`), checked so that no name can leave the bundle's root. */
export function listedItems (manifest: unknown): ListedItem[] {
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw invalid('manifest.json is not a bundle manifest')
  const record = manifest as Record<string, unknown>
  if (record.format !== MANIFEST_FORMAT) throw invalid('manifest.json is not a bundle manifest')
  const lists = [record.items, record.replies ?? []]
  if (!lists.every(Array.isArray)) throw invalid('manifest.json is not a bundle manifest')
  const out: ListedItem[] = []
  const seen = new Set<string>()
  for (const entry of (lists as unknown[][]).flat()) {
    const { file, kind } = (typeof entry === 'object' && entry !== null ? entry : {}) as { file?: unknown; kind?: unknown }
    if (typeof kind !== 'string' || !KIND.test(kind) || typeof file !== 'string' || !new RegExp(`^[0-9]{2,4}-${kind}\\.gpg$`, 'u').test(file) || seen.has(file)) {
      throw invalid('manifest.json lists an item wrongly')
    }
    seen.add(file)
    out.push({ file, kind })
  }
  return out
}

function parseManifest (bytes: Uint8Array): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>
  } catch (err) {
    throw invalid('manifest.json is not valid JSON', err)
  }
}

// Every item listed is present; every .gpg present is listed.
function matchFiles (listed: readonly ListedItem[], present: ReadonlyMap<string, number>): BundleItem[] {
  const names = new Set(listed.map((item) => item.file))
  for (const name of present.keys()) {
    if (/\.gpg$/iu.test(name) && !names.has(name)) throw new CandourError('ITEM_UNLISTED', 'the bundle holds a .gpg file its manifest does not list')
  }
  return listed.map((item) => {
    const size = present.get(item.file)
    if (size === undefined) throw new CandourError('ITEM_MISSING', 'an item listed in the manifest is missing from the bundle')
    return Object.freeze({ ...item, size })
  })
}

async function openFolder (dir: string): Promise<Bundle> {
  const present = new Map<string, number>()
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) present.set(entry.name, (await stat(path.join(dir, entry.name))).size)
    else if (/\.gpg$/iu.test(entry.name)) present.set(entry.name, -1)
  }
  if (!present.has(MANIFEST)) throw invalid('no manifest.json: give one report folder or bundle zip')
  if (present.get(MANIFEST)! > MAX_MANIFEST_BYTES) throw invalid('manifest.json is too large')
  const manifestBytes = await readFile(path.join(dir, MANIFEST))
  const manifest = parseManifest(manifestBytes)
  const items = matchFiles(listedItems(manifest), present)
  if (items.some((item) => item.size < 0)) throw invalid('a bundle item is not a regular file')
  return {
    manifestBytes,
    manifest,
    items,
    open: (item) => createReadStream(path.join(dir, item.file), { highWaterMark: READ_CHUNK }),
    close: async () => {},
  }
}

async function collect (stream: Readable, limit: number): Promise<Uint8Array> {
  const parts: Buffer[] = []
  let total = 0
  for await (const chunk of stream) {
    total += (chunk as Buffer).byteLength
    if (total > limit) {
      stream.destroy()
      throw invalid('manifest.json is too large')
    }
    parts.push(chunk as Buffer)
  }
  return Buffer.concat(parts)
}

async function openZip (file: string): Promise<Bundle> {
  let zip: yauzl.ZipFile
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true })
  } catch (err) {
    throw invalid('not a readable zip file', err)
  }
  try {
    const entries = new Map<string, yauzl.Entry>()
    try {
      for await (const entry of zip.eachEntry()) {
        if (entry.fileName.endsWith('/')) continue
        if (entries.has(entry.fileName) || entry.isEncrypted()) throw invalid('the zip holds a duplicate or encrypted entry')
        entries.set(entry.fileName, entry)
      }
    } catch (err) {
      throw err instanceof CandourError ? err : invalid('not a readable zip file', err)
    }
    const manifestEntry = entries.get(MANIFEST)
    if (manifestEntry === undefined) throw invalid('no manifest.json at the root of the zip')
    if (manifestEntry.uncompressedSize > MAX_MANIFEST_BYTES) throw invalid('manifest.json is too large')
    const manifestBytes = await collect(await zip.openReadStreamPromise(manifestEntry), MAX_MANIFEST_BYTES)
    const manifest = parseManifest(manifestBytes)
    const present = new Map([...entries].map(([name, entry]) => [name, entry.uncompressedSize] as const))
    const items = matchFiles(listedItems(manifest), present)
    return {
      manifestBytes,
      manifest,
      items,
      open: async function * (item) {
        const stream = await zip.openReadStreamPromise(entries.get(item.file)!)
        yield * stream as AsyncIterable<Uint8Array>
      },
      close: async () => { zip.close() },
    }
  } catch (err) {
    zip.close()
    throw err
  }
}

/** Opens a bundle zip or report folder and checks it; fails with BUNDLE_INVALID, ITEM_MISSING or ITEM_UNLISTED. */
export async function openBundle (location: string): Promise<Bundle> {
  let info
  try {
    info = await stat(location)
  } catch (err) {
    throw invalid('the bundle cannot be read', err)
  }
  return info.isDirectory() ? openFolder(location) : openZip(location)
}
