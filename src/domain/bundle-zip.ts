/**
 * Bundles as zip files: the reviewer's download, written as a stream straight
 * from the store (yazl), and the transfer upload, read back (yauzl). Entries
 * are stored, not deflated: ciphertext does not compress. No time of day goes
 * into a zip: each entry carries only the report's received date, in the DOS
 * date field at 00:00, and no Info-ZIP timestamp (which would encode the
 * server's time zone offset).
 */
import { PassThrough, Readable } from 'node:stream'
import yauzl from 'yauzl'
import yazl from 'yazl'
import { CandourError } from '../errors.js'
import type { BundleFile } from './bundles.js'

/** A zip being sent, and its exact length in bytes. */
export interface ZipStream {
  readonly stream: Readable
  readonly size: number
}

// yazl turns the date into DOS fields with the local clock; local midnight of the date gives 00:00:00.
function localMidnight (date: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return new Date(year, month - 1, day)
}

/** Streams `files` as a zip whose entries all carry `date` (YYYY-MM-DD); nothing is buffered beyond a chunk. */
export function zipBundle (files: readonly BundleFile[], date: string): ZipStream {
  const zip = new yazl.ZipFile()
  const mtime = localMidnight(date)
  for (const file of files) {
    zip.addReadStreamLazy(file.name, { size: file.size, compress: false, mtime, mode: 0o100600, forceDosTimestamp: true }, (cb) => cb(null, Readable.from(file.content())))
  }
  let size = -1
  zip.end(undefined, ((total: number) => { size = total }) as () => void)
  // Stored entries of known sizes: yazl knows the total at end() (a -1 would mean a bug here).
  if (size < 0) throw new TypeError('zip size not known in advance')
  const stream = new PassThrough()
  zip.outputStream.on('error', (err) => stream.destroy(err))
  zip.on('error', (err: Error) => stream.destroy(err))
  zip.outputStream.pipe(stream)
  return { stream, size }
}

/** An uploaded zip held in memory, as the chunks it arrived in. */
export interface ZipBytes {
  readonly chunks: readonly Uint8Array[]
  readonly size: number
}

/** One entry of an uploaded zip. */
export interface ZipEntry {
  readonly name: string
  /** The size its header declares (checked against the data as it is read). */
  readonly size: number
  /** Its bytes, decompressed when the entry is deflated. */
  open (): AsyncIterable<Uint8Array>
}

// yauzl reads at random offsets; this serves them from the chunks without joining them into one buffer.
class ChunkReader extends yauzl.RandomAccessReader {
  readonly #chunks: readonly Uint8Array[]
  readonly #starts: number[] = []

  constructor (chunks: readonly Uint8Array[]) {
    super()
    this.#chunks = chunks
    let offset = 0
    for (const chunk of chunks) { this.#starts.push(offset); offset += chunk.byteLength }
  }

  override _readStreamForRange (start: number, end: number): Readable {
    const chunks = this.#chunks
    const starts = this.#starts
    return Readable.from((function * () {
      // The last chunk starting at or before `start`.
      let lo = 0
      let hi = starts.length - 1
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1
        if (starts[mid]! <= start) lo = mid
        else hi = mid - 1
      }
      for (let i = lo; i < chunks.length && starts[i]! < end; i++) {
        const from = Math.max(0, start - starts[i]!)
        const to = Math.min(chunks[i]!.byteLength, end - starts[i]!)
        if (to > from) yield Buffer.from(chunks[i]!.buffer, chunks[i]!.byteOffset + from, to - from)
      }
    })(), { objectMode: false })
  }
}

function notZip (cause: unknown): CandourError {
  return new CandourError('BUNDLE_INVALID', 'upload is not a readable zip file', { cause, detail: { reason: 'not-zip' } })
}

/** The entries of a zip held in memory, one after another; fails with BUNDLE_INVALID (reason not-zip). */
export async function * zipEntries (zip: ZipBytes): AsyncGenerator<ZipEntry> {
  let file: yauzl.ZipFile
  try {
    file = await yauzl.fromRandomAccessReaderPromise(new ChunkReader(zip.chunks), zip.size, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true })
  } catch (err) {
    throw notZip(err)
  }
  try {
    const entries = file.eachEntry()
    for (;;) {
      let next: IteratorResult<yauzl.Entry>
      try { next = await entries.next() } catch (err) { throw notZip(err) }
      if (next.done === true) return
      const entry = next.value
      // Password-protected entries cannot be read, and a bundle has no reason to hold one.
      if (entry.isEncrypted()) throw new CandourError('BUNDLE_INVALID', 'zip entry is encrypted', { detail: { reason: 'not-zip' } })
      yield {
        name: entry.fileName,
        size: entry.uncompressedSize,
        open: async function * () {
          let stream: Readable
          try { stream = await file.openReadStreamPromise(entry) } catch (err) { throw notZip(err) }
          try {
            for await (const chunk of stream) yield chunk as Uint8Array
          } catch (err) {
            throw notZip(err)
          }
        },
      }
    }
  } finally {
    file.close()
  }
}
