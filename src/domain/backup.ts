/**
 * Backup and restore of the whole store (issue 14). A backup is one OpenPGP
 * message to the operator's backup key: the peppers and every entry of every
 * space, read from one snapshot of the store (so a backup taken while reports
 * arrive is a store as it stood at one moment), encrypted as it is read. The
 * store holds ciphertext and closed metadata only; nothing is written to disk
 * on the way but the encrypted backup itself. Restore decrypts the message as
 * a stream into an empty DATA_DIR; until the message has ended and its
 * integrity check passed, what it wrote is provisional and is removed on any
 * failure.
 */
import { mkdir, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Ciphertext } from '../crypto/ciphertext.js'
import { decryptItem, type SecretKeys } from '../crypto/decrypt.js'
import { encryptStream } from '../crypto/encrypt.js'
import type { RecipientKeys } from '../crypto/keys.js'
import { CandourError } from '../errors.js'
import { backupFrames, readBackupFrames } from '../store/backup-format.js'
import { removeOrphans } from '../store/blobs.js'
import type { BatchOp, Kv } from '../store/kv.js'
import { openLevelKv } from '../store/level-kv.js'
import { writePeppers, type Peppers } from '../store/peppers.js'
import { utcDate, utcMidnight } from './dates.js'

/** The name in the backup's literal data packet. */
export const BACKUP_FILENAME = 'candour-backup'

// Entries gathered into one write while restoring (as blobs.ts gathers chunks).
const RESTORE_BATCH_BYTES = 1024 * 1024

/** What a backup needs. */
export interface BackupOptions {
  readonly peppers: Peppers
  /** The operator's backup key(s). */
  readonly recipients: RecipientKeys
  /** Today (tests inject it); only its UTC date is written. */
  readonly now?: Date
  /** Called with the size of each store entry as it is read (a progress display). */
  readonly onEntry?: (bytes: number) => void
}

/** The encrypted backup of the whole store, chunk by chunk, read from one snapshot. */
export function backupStore (kv: Kv, options: BackupOptions): AsyncGenerator<Ciphertext> {
  const now = options.now ?? new Date()
  async function * entries (): AsyncGenerator<readonly [import('../store/kv.js').Space, string, Uint8Array]> {
    for await (const entry of kv.snapshot()) {
      options.onEntry?.(entry[2].byteLength)
      yield entry
    }
  }
  const plaintext = backupFrames({ date: utcDate(now), peppers: options.peppers }, entries())
  return encryptStream(plaintext, options.recipients, { filename: BACKUP_FILENAME, date: utcMidnight(now) })
}

/** What a restore did. */
export interface RestoreResult {
  /** The UTC date the backup was taken. */
  readonly date: string
  readonly entries: number
  /** Blobs that were still being uploaded when the backup was taken, left out of the restored store. */
  readonly unfinishedUploads: number
}

async function refuseNonEmpty (dataDir: string): Promise<void> {
  let names: string[]
  try {
    names = await readdir(dataDir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new CandourError('OUTPUT_EXISTS', 'the restore target is not a folder')
    throw err
  }
  if (names.length > 0) throw new CandourError('OUTPUT_EXISTS', 'the restore target is not empty')
}

/**
 * Restores a backup into `dataDir`, which must be absent or empty
 * (OUTPUT_EXISTS otherwise). Fails with KEY_MISMATCH when the backup is not
 * for these keys, MESSAGE_DAMAGED when it was altered or cut short, and
 * BACKUP_INVALID when it is not a Candour backup; on any failure the folder is
 * left empty again.
 */
export async function restoreStore (backup: AsyncIterable<Uint8Array>, keys: SecretKeys, dataDir: string): Promise<RestoreResult> {
  await refuseNonEmpty(dataDir)
  const item = await decryptItem(backup, keys)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  let kv: Kv | undefined
  try {
    kv = await openLevelKv(dataDir)
    let date: string | undefined
    let entries = 0
    let ops: BatchOp[] = []
    let bytes = 0
    for await (const piece of readBackupFrames(item.data)) {
      if ('header' in piece) {
        date = piece.header.date
        await writePeppers(dataDir, piece.header.peppers)
        continue
      }
      const [space, key, value] = piece.entry
      ops.push({ type: 'put', space, key, value })
      bytes += value.byteLength
      entries++
      if (bytes >= RESTORE_BATCH_BYTES || ops.length >= 1000) {
        await kv.batch(ops)
        ops = []
        bytes = 0
      }
    }
    await kv.batch(ops)
    // Uploads under way when the backup was taken never became part of a report.
    const unfinishedUploads = await removeOrphans(kv)
    await kv.close()
    kv = undefined
    return { date: date!, entries, unfinishedUploads }
  } catch (err) {
    await kv?.close().catch(() => {})
    // The folder was empty: everything in it now came from this restore.
    for (const name of await readdir(dataDir).catch(() => [] as string[])) await rm(path.join(dataDir, name), { recursive: true, force: true })
    throw err
  }
}
