/**
 * Cleaned copies of attachments, made by mat2 (the metadata anonymisation
 * toolkit SecureDrop uses) where it is installed. mat2 works on a private
 * copy in a hidden work folder, so it can never write over an original or
 * over another attachment whose name happens to be `x.cleaned.jpg`; the
 * cleaned file is then placed beside the original like any other output.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { constants, createReadStream } from 'node:fs'
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import type { OutputFolder } from './output-folder.js'

const run = promisify(execFile)

/** What became of one attachment. */
export type CleanOutcome =
  | { readonly status: 'cleaned'; readonly written: string }
  | { readonly status: 'failed' }
  | { readonly status: 'mat2-missing' }

function extensionOf (name: string): string {
  const ext = path.extname(name).toLowerCase()
  // mat2 picks its parser by extension; anything odd is left for it to refuse.
  return /^\.[a-z0-9]{1,10}$/u.test(ext) ? ext : ''
}

/** `photo.jpg` -> `photo.cleaned.jpg`, as mat2 itself names its output. */
export function cleanedName (name: string): string {
  const ext = path.extname(name)
  return ext === '' || ext === name ? `${name}.cleaned` : `${name.slice(0, -ext.length)}.cleaned${ext}`
}

/**
 * Runs mat2 on a copy of `<out>/<folder>/<name>` and writes the cleaned copy
 * beside it. Fails only for a problem of the output folder itself.
 */
export async function cleanCopy (out: OutputFolder, folder: string, name: string): Promise<CleanOutcome> {
  const work = path.join(out.root, `.candour-clean-${randomBytes(8).toString('hex')}`)
  await mkdir(work, { mode: 0o700 })
  try {
    const input = path.join(work, `input${extensionOf(name)}`)
    await copyFile(path.join(out.root, folder, name), input, constants.COPYFILE_EXCL)
    try {
      await run('mat2', [input], { maxBuffer: 1024 * 1024 })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'mat2-missing' }
      return { status: 'failed' }
    }
    const outputs = (await readdir(work)).filter((file) => file.startsWith('input.cleaned'))
    if (outputs.length !== 1) return { status: 'failed' }
    const written = await out.write(folder, cleanedName(name), createReadStream(path.join(work, outputs[0]!)))
    return { status: 'cleaned', written }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
