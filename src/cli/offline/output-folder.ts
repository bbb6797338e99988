/**
 * The folder `candour decrypt` writes into, written so that nothing a bundle
 * says can place a file outside it or replace one already there: names are
 * plain file names (sanitised before they get here), subfolders and the
 * folder itself must be real directories (never symlinks), each file is first
 * written under a hidden partial name and given its own name only once it is
 * complete, and a name already taken gets a numbered suffix instead.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CandourError } from '../../errors.js'

const PARTIAL_PREFIX = '.candour-'
const MAX_SUFFIX = 1000

function unsafe (): CandourError {
  return new CandourError('OUTPUT_UNSAFE', 'the output folder, or a folder in it, is a symlink or not a folder')
}

async function kindOf (target: string): Promise<'missing' | 'directory' | 'other'> {
  try {
    const info = await lstat(target)
    return info.isDirectory() ? 'directory' : 'other'
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw err
  }
}

/** `photo.jpg` -> `photo-2.jpg`: the n-th name to try for a wanted name. */
export function numbered (name: string, n: number): string {
  if (n === 1) return name
  const dot = name.lastIndexOf('.')
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`
}

/** A folder being written. */
export class OutputFolder {
  readonly root: string

  private constructor (root: string) {
    this.root = root
  }

  /**
   * Checks the folder before anything is decrypted: it must be missing, or a
   * real directory that is empty (or `force`). Fails with OUTPUT_UNSAFE or
   * OUTPUT_EXISTS. Nothing is created yet.
   */
  static async check (dir: string, options: { force: boolean }): Promise<OutputFolder> {
    const root = path.resolve(dir)
    const kind = await kindOf(root)
    if (kind === 'other') throw unsafe()
    if (kind === 'directory' && !options.force && (await readdir(root)).length > 0) {
      throw new CandourError('OUTPUT_EXISTS', 'the output folder is not empty: use --force to write into it')
    }
    return new OutputFolder(root)
  }

  /** Creates a folder (or checks one), relative to the root; never through a symlink. */
  async folder (relative: string): Promise<string> {
    let current = this.root
    for (const part of ['', ...(relative === '' ? [] : relative.split('/'))]) {
      current = part === '' ? current : path.join(current, part)
      const kind = await kindOf(current)
      if (kind === 'other') throw unsafe()
      if (kind === 'missing') {
        // The root's own parents may be missing too; below the root, one level at a time.
        await mkdir(current, { mode: 0o700, recursive: current === this.root })
        // Someone may have raced us to it: look again.
        if (await kindOf(current) !== 'directory') throw unsafe()
      }
    }
    return current
  }

  /**
   * Writes `source` to `<root>/<folder>/<name>` (a suffix added if the name is
   * taken) and returns the path written, relative to the root. If `source`
   * fails, the partial file is removed and the error passed on.
   */
  async write (folder: string, name: string, source: AsyncIterable<Uint8Array>): Promise<string> {
    if (name === '' || name !== path.basename(name) || name.startsWith('.') || name.includes('\\')) throw new TypeError('not a plain file name')
    const dir = await this.folder(folder)
    const partial = path.join(dir, `${PARTIAL_PREFIX}${randomBytes(8).toString('hex')}.partial`)
    try {
      await pipeline(Readable.from(source), createWriteStream(partial, { flags: 'wx', mode: 0o600 }))
      for (let n = 1; n <= MAX_SUFFIX; n++) {
        const candidate = numbered(name, n)
        const target = path.join(dir, candidate)
        // Claiming the name with O_EXCL never follows or replaces anything there, a symlink included;
        // the rename then swaps the complete file in for the empty placeholder.
        let placeholder
        try {
          placeholder = await open(target, 'wx', 0o600)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue
          throw err
        }
        await placeholder.close()
        await rename(partial, target)
        return path.relative(this.root, target)
      }
      throw new CandourError('OUTPUT_EXISTS', 'too many files of the same name in the output folder')
    } catch (err) {
      await rm(partial, { force: true })
      throw err
    }
  }
}
