/** Key files named on the command line: one file, or every `.asc` file in a folder and its subfolders (as keys/ is laid out). */
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { CandourError } from '../../errors.js'

/** The key files at `location`, sorted; fails with KEY_INVALID when it cannot be read. */
export async function keyFiles (location: string): Promise<string[]> {
  let info
  try {
    info = await stat(location)
  } catch (err) {
    throw new CandourError('KEY_INVALID', 'the key file or folder cannot be read', { cause: err })
  }
  if (!info.isDirectory()) return [location]
  const entries = await readdir(location, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.asc'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort()
}

/** The text of a key file. */
export async function keyText (file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new CandourError('KEY_INVALID', 'a key file cannot be read', { cause: err })
  }
}
