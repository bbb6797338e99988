/**
 * Decrypting one report bundle into a readable folder on the offline machine:
 *
 *   report.txt                    the report
 *   contact.txt                   the contact details, alone, so they can be kept apart
 *   further-information-NN.txt    each follow-up text from the reporter
 *   reply-NN.txt                  each reply the force sent
 *   attachments/<name>            each attachment under its sanitised original name
 *   other/<name>                  items of a kind this version does not know
 *   manifest.json                 the bundle's manifest, written last
 *
 * Each item is streamed to a hidden partial file and named only once its
 * integrity check has passed; a damaged item stops the run and leaves no file
 * that looks complete.
 */
import { decryptItem, type SecretKeys } from '../../crypto/decrypt.js'
import { sanitizeFilename } from '../../domain/filenames.js'
import { openBundle, type Bundle, type BundleItem } from './bundle-source.js'
import { cleanCopy } from './mat2.js'
import { inspectMetadata } from './metadata.js'
import { OutputFolder } from './output-folder.js'
import { Progress } from './progress.js'
import { readKeyFile, unlock } from './secret-key.js'

/** Options of `candour decrypt`. */
export interface DecryptOptions {
  readonly bundle: string
  readonly key: string
  readonly out: string
  readonly force: boolean
  readonly clean: boolean
  readonly passphraseFile?: string
}

/** Where an item goes: a folder relative to --out, and a wanted file name. */
interface Place { readonly folder: string; readonly name: string; readonly file: boolean }

const TEXT_NAMES: Readonly<Record<string, (n: number) => string>> = {
  report: (n) => n === 1 ? 'report.txt' : `report-${n}.txt`,
  contact: (n) => n === 1 ? 'contact.txt' : `contact-${n}.txt`,
  'further-information': (n) => `further-information-${String(n).padStart(2, '0')}.txt`,
  reply: (n) => `reply-${String(n).padStart(2, '0')}.txt`,
}

function placeOf (kind: string, ordinal: number, literalName: string): Place {
  const text = TEXT_NAMES[kind]
  if (text !== undefined) return { folder: '', name: text(ordinal), file: false }
  // The literal packet's name is the sender's: only its sanitised last part is ever used.
  return { folder: kind === 'attachment' ? 'attachments' : 'other', name: sanitizeFilename(literalName), file: true }
}

async function * counted (source: AsyncIterable<Uint8Array>, progress: Progress): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    progress.add(chunk.byteLength)
    yield chunk
  }
}

async function decryptOne (bundle: Bundle, item: BundleItem, keys: SecretKeys, out: OutputFolder, ordinal: number): Promise<{ written: string; place: Place }> {
  const progress = new Progress(item.file, item.size)
  try {
    const decrypted = await decryptItem(counted(bundle.open(item), progress), keys)
    const place = placeOf(item.kind, ordinal, decrypted.filename)
    const written = await out.write(place.folder, place.name, decrypted.data)
    return { written, place }
  } finally {
    progress.end()
  }
}

/** Runs `candour decrypt`; `print` receives each line of the summary. Returns the number of items decrypted. */
export async function decryptBundle (options: DecryptOptions, print: (line: string) => void): Promise<number> {
  // Everything that can be checked is checked before the passphrase is asked for.
  const locked = await readKeyFile(options.key)
  const bundle = await openBundle(options.bundle)
  try {
    const out = await OutputFolder.check(options.out, { force: options.force })
    const keys = await unlock(locked, options.passphraseFile)
    await out.folder('')
    const ordinals = new Map<string, number>()
    const files: string[] = []
    for (const item of bundle.items) {
      const ordinal = (ordinals.get(item.kind) ?? 0) + 1
      ordinals.set(item.kind, ordinal)
      const { written, place } = await decryptOne(bundle, item, keys, out, ordinal)
      print(`${item.file} -> ${written}${item.kind === 'contact' ? '  (contact details: keep this file apart from the case file)' : ''}`)
      if (place.file) files.push(written)
    }
    await out.write('', 'manifest.json', (async function * () { yield bundle.manifestBytes })())
    await listMetadata(out, files, print)
    if (options.clean) await clean(out, files, print)
    print(`decrypted ${bundle.items.length} item(s) into ${out.root}`)
    return bundle.items.length
  } finally {
    await bundle.close()
  }
}

async function listMetadata (out: OutputFolder, files: readonly string[], print: (line: string) => void): Promise<void> {
  for (const file of files) {
    const report = await inspectMetadata(`${out.root}/${file}`)
    if (report.format === undefined) continue
    if (report.unreadable) print(`${file}: ${report.format} file whose metadata could not be read; treat it with care`)
    else if (report.found.length === 0) print(`${file}: no identifying metadata found (${report.format})`)
    else {
      print(`${file}: ${report.format} metadata that may identify the reporter:`)
      for (const line of report.found) print(`  ${line}`)
    }
  }
}

async function clean (out: OutputFolder, files: readonly string[], print: (line: string) => void): Promise<void> {
  for (const file of files) {
    const slash = file.lastIndexOf('/')
    const outcome = await cleanCopy(out, file.slice(0, slash), file.slice(slash + 1))
    if (outcome.status === 'mat2-missing') {
      print('mat2 is not installed: no cleaned copies were written (on Debian: apt-get install mat2). The originals are untouched.')
      return
    }
    print(outcome.status === 'cleaned' ? `${file}: cleaned copy ${outcome.written}` : `${file}: mat2 could not clean this file (format not supported or file unreadable)`)
  }
}
