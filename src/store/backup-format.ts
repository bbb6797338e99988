/**
 * The plaintext layout of a backup (issue 14), before it is encrypted: a
 * header line of JSON (format, version, UTC date, the peppers), then one frame
 * per store entry, then an end frame with the number of entries. A frame is
 * a type byte, the space name (1-byte length), the key (4-byte length) and
 * the value (4-byte length). It is written and read as a stream: a store of
 * any size passes through in pieces of a few MiB at most.
 */
import { CandourError } from '../errors.js'
import { ByteReader } from './byte-reader.js'
import { SPACES, type SnapshotEntry, type Space } from './kv.js'
import type { Peppers } from './peppers.js'

/** The first bytes of every backup's plaintext. */
export const BACKUP_FORMAT = 'candour-backup'
const VERSION = 1
const ENTRY = 1
const END = 2
// The longest header accepted: a few hundred bytes are written.
const MAX_HEADER = 4096
// LevelDB values here are record JSON, index markers or ciphertext chunks of at most a MiB or so.
const MAX_VALUE = 64 * 1024 * 1024
const MAX_KEY = 64 * 1024

/** What a backup holds besides the store's entries. */
export interface BackupHeader {
  readonly date: string
  readonly peppers: Peppers
}

/** One piece of a backup as it is read back. */
export type BackupPiece = { readonly header: BackupHeader } | { readonly entry: SnapshotEntry }

function invalid (message = 'not a Candour backup, or a damaged one'): CandourError {
  return new CandourError('BACKUP_INVALID', message)
}

function u32 (value: number): Buffer {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(value)
  return out
}

/** Frames a header and a stream of entries as the backup's plaintext. */
export async function * backupFrames (header: BackupHeader, entries: AsyncIterable<SnapshotEntry>): AsyncGenerator<Uint8Array> {
  yield Buffer.from(JSON.stringify({
    format: BACKUP_FORMAT,
    version: VERSION,
    date: header.date,
    peppers: { reporterId: Buffer.from(header.peppers.reporterId).toString('base64'), replyKey: Buffer.from(header.peppers.replyKey).toString('base64') },
  }) + '\n', 'utf8')
  let count = 0
  for await (const [space, key, value] of entries) {
    const name = Buffer.from(space, 'utf8')
    const keyBytes = Buffer.from(key, 'utf8')
    yield Buffer.concat([Buffer.from([ENTRY, name.length]), name, u32(keyBytes.length), keyBytes, u32(value.byteLength)])
    yield value
    count++
  }
  const end = Buffer.alloc(9)
  end[0] = END
  end.writeBigUInt64BE(BigInt(count), 1)
  yield end
}

function parseHeader (line: string): BackupHeader {
  let raw: { format?: unknown; version?: unknown; date?: unknown; peppers?: { reporterId?: unknown; replyKey?: unknown } }
  try { raw = JSON.parse(line) as typeof raw } catch { throw invalid() }
  if (raw.format !== BACKUP_FORMAT) throw invalid()
  if (raw.version !== VERSION) throw invalid('a backup of a format version this program does not know')
  if (typeof raw.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw.date) ||
    typeof raw.peppers?.reporterId !== 'string' || typeof raw.peppers.replyKey !== 'string') throw invalid()
  return { date: raw.date, peppers: { reporterId: Buffer.from(raw.peppers.reporterId, 'base64'), replyKey: Buffer.from(raw.peppers.replyKey, 'base64') } }
}

/**
 * Reads a backup's plaintext: the header first, then the entries. Fails with
 * BACKUP_INVALID on anything out of shape, a space the store does not know,
 * a count that does not match, or bytes after the end frame.
 */
export async function * readBackupFrames (source: AsyncIterable<Uint8Array>): AsyncGenerator<BackupPiece> {
  const bytes = new ByteReader(source)
  const reader = {
    async take (n: number): Promise<Buffer> {
      const out = await bytes.take(n)
      if (out === undefined) throw invalid('the backup ends too early')
      return out
    },
    atEnd: () => bytes.atEnd(),
  }
  const first = await bytes.line(MAX_HEADER)
  if (first === undefined) throw invalid()
  yield { header: parseHeader(first) }
  let count = 0n
  for (;;) {
    const [type] = await reader.take(1)
    if (type === END) {
      if ((await reader.take(8)).readBigUInt64BE() !== count) throw invalid()
      if (!await reader.atEnd()) throw invalid()
      return
    }
    if (type !== ENTRY) throw invalid()
    const space = (await reader.take((await reader.take(1))[0]!)).toString('utf8')
    if (!(SPACES as readonly string[]).includes(space)) throw invalid()
    const keyLength = (await reader.take(4)).readUInt32BE()
    if (keyLength > MAX_KEY) throw invalid()
    const key = (await reader.take(keyLength)).toString('utf8')
    const valueLength = (await reader.take(4)).readUInt32BE()
    if (valueLength > MAX_VALUE) throw invalid()
    yield { entry: [space as Space, key, await reader.take(valueLength)] }
    count++
  }
}
