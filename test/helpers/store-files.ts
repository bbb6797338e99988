/** Searching the store's files on disk for bytes, to show that deleted ciphertext does not linger. */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'

/** How many of `slices` occur in any file under DATA_DIR/store (each file read whole; test stores are small). */
export async function foundInStore (dataDir: string, slices: readonly Buffer[]): Promise<number> {
  const dir = path.join(dataDir, 'store')
  let found = 0
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const content = await readFile(path.join(entry.parentPath, entry.name))
    for (const slice of slices) if (content.includes(slice)) found++
  }
  return found
}
