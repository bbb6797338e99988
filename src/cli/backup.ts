/**
 * `candour backup` and `candour restore` (issue 14): thin commands over
 * domain/backup.ts. Backup reads the store through the running server's
 * control socket, or directly when it is stopped, and writes the encrypted
 * backup to a new file (never over an existing one); restore needs the backup
 * key's secret half, which lives offline, and an empty DATA_DIR.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Command } from 'commander'
import { loadConfig } from '../config.js'
import { inspectKeys, recipientsOf } from '../crypto/unit-keys.js'
import { backupStore, restoreStore } from '../domain/backup.js'
import { CandourError, isCandourError } from '../errors.js'
import { openStoreAnyway } from '../store/open.js'
import { loadPeppers } from '../store/peppers.js'
import { Progress } from './offline/progress.js'
import { readKeyFile, unlock } from './offline/secret-key.js'

// The store's files on disk: the best estimate of a backup's size known before reading it.
async function storeBytes (dataDir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(path.join(dataDir, 'store'), { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size
  }
  return total
}

async function backupKeys (file: string): Promise<Awaited<ReturnType<typeof recipientsOf>>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new CandourError('KEY_INVALID', 'the backup key file cannot be read', { cause: err })
  }
  const keys = await inspectKeys(text)
  if (keys.some((key) => key.secret)) throw new CandourError('KEY_INVALID', 'the backup key file holds a secret key: give the public half only')
  return recipientsOf(keys)
}

/** Registers `backup` and `restore` on the program. */
export function registerBackupCommands (cli: Command, out: (line: string) => void): void {
  cli.command('backup')
    .description('write an encrypted backup of the whole store (reports, reporters, audit log, peppers) to the backup key; server running or stopped')
    .requiredOption('--to <public-key-file>', "the operator's backup public key (armored)")
    .requiredOption('--out <file>', 'the backup file to create (never overwritten)')
    .action(async (options: { to: string; out: string }) => {
      const recipients = await backupKeys(options.to)
      const config = loadConfig()
      const peppers = await loadPeppers(config.dataDir)
      const total = await storeBytes(config.dataDir)
      const { kv, access } = await openStoreAnyway(config.dataDir)
      const progress = new Progress('backup', total)
      let created = false
      try {
        const file = createWriteStream(options.out, { flags: 'wx', mode: 0o600 })
        file.once('open', () => { created = true })
        await pipeline(Readable.from(backupStore(kv, { peppers, recipients, onEntry: (bytes) => progress.add(bytes) })), file)
      } catch (err) {
        // A backup cut short is no backup: leave nothing that looks like one.
        if (created) await rm(options.out, { force: true })
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CandourError('OUTPUT_EXISTS', 'the backup file already exists')
        throw err
      } finally {
        progress.end()
        await kv.close()
      }
      out(`backup written${access === 'control-socket' ? ' (through the running server)' : ''}`)
    })

  cli.command('restore')
    .description('rebuild a store from a backup into an empty DATA_DIR (with the backup key\'s secret half)')
    .requiredOption('--from <file>', 'the backup file')
    .requiredOption('--key <secret-key-file>', "the backup key's secret half (armored)")
    .requiredOption('--data-dir <dir>', 'the new DATA_DIR: absent or empty')
    .option('--passphrase-file <file>', 'read the passphrase from the first line of this file instead of asking')
    .action(async (options: { from: string; key: string; dataDir: string; passphraseFile?: string }) => {
      const dataDir = path.resolve(options.dataDir)
      // Refused before asking for a passphrase, so a typo costs nothing.
      const names = await readdir(dataDir).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return []; throw err })
      if (names.length > 0) throw new CandourError('OUTPUT_EXISTS', 'the restore target is not empty')
      const keys = await unlock(await readKeyFile(options.key), options.passphraseFile)
      let size: number
      try {
        size = (await stat(options.from)).size
      } catch (err) {
        throw new CandourError('BACKUP_INVALID', 'the backup file cannot be read', { cause: err })
      }
      const progress = new Progress('restore', size)
      async function * counted (): AsyncGenerator<Buffer> {
        for await (const chunk of createReadStream(options.from)) {
          progress.add((chunk as Buffer).length)
          yield chunk as Buffer
        }
      }
      try {
        const result = await restoreStore(counted(), keys, dataDir)
        progress.end()
        out(`restored ${result.entries} store entries from the backup of ${result.date}`)
        if (result.unfinishedUploads > 0) out(`left out ${result.unfinishedUploads} upload(s) that were unfinished when the backup was taken`)
      } catch (err) {
        progress.end()
        throw isCandourError(err) ? err : new CandourError('BACKUP_INVALID', 'the backup could not be restored', { cause: err })
      }
    })
}
