/**
 * The instance-wide secret peppers of codename derivations, created on first
 * start in DATA_DIR/peppers.json (mode 0600). Losing them orphans every
 * reporter, so they are never rewritten once made.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { CandourError } from '../errors.js'

const FILE = 'peppers.json'

/** The two secret peppers (structurally the domain's Peppers; the store does not import the domain). */
export interface Peppers {
  readonly reporterId: Uint8Array
  readonly replyKey: Uint8Array
}

function check (peppers: Peppers): Peppers {
  if (peppers.reporterId.byteLength !== 32 || peppers.replyKey.byteLength !== 32 || timingSafeEqual(peppers.reporterId, peppers.replyKey)) {
    throw new CandourError('CONFIG_INVALID', 'peppers file is damaged')
  }
  return Object.freeze(peppers)
}

/** Reads the peppers, creating them on first start. */
export async function loadPeppers (dataDir: string): Promise<Peppers> {
  const file = path.join(dataDir, FILE)
  try {
    const raw = JSON.parse(await readFile(file, 'utf8')) as { reporterId: string; replyKey: string }
    return check({ reporterId: Buffer.from(raw.reporterId, 'base64'), replyKey: Buffer.from(raw.replyKey, 'base64') })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err instanceof CandourError ? err : new CandourError('CONFIG_INVALID', 'peppers file is damaged', { cause: err })
  }
  const peppers = { reporterId: randomBytes(32), replyKey: randomBytes(32) }
  // 'wx' so that two processes starting at once cannot both write different peppers.
  await writeFile(file, JSON.stringify({ reporterId: peppers.reporterId.toString('base64'), replyKey: peppers.replyKey.toString('base64') }) + '\n', { mode: 0o600, flag: 'wx' })
  return check(peppers)
}

/** Writes the peppers of a restored store (issue 14); fails if the file exists, so live peppers are never replaced. */
export async function writePeppers (dataDir: string, peppers: Peppers): Promise<void> {
  check(peppers)
  await writeFile(path.join(dataDir, FILE), JSON.stringify({ reporterId: Buffer.from(peppers.reporterId).toString('base64'), replyKey: Buffer.from(peppers.replyKey).toString('base64') }) + '\n', { mode: 0o600, flag: 'wx' })
}
