/**
 * The Kv interface over the LevelDB itself. Only this folder imports level.
 * LevelDB's own info log (LOG, LOG.old) writes wall-clock times to the
 * microsecond and cannot be switched off; it is kept from ever being written
 * by occupying both names with non-empty directories, so LevelDB's attempt to
 * rotate and create it fails and it runs without an info log.
 */
import { mkdir, readdir, realpath, stat, writeFile, chmod } from 'node:fs/promises'
import path from 'node:path'
import { Level } from 'level'
import { CandourError } from '../errors.js'
import { SPACES, type BatchOp, type Expectation, type Kv, type Range, type SnapshotEntry, type Space } from './kv.js'

// The few sublevel methods used here, typed plainly (level's generics do not survive sublevel()).
interface Sub {
  get (key: string): Promise<Uint8Array | undefined>
  iterator (options: Record<string, unknown>): AsyncIterable<[string, Uint8Array]>
  keys (options: Record<string, unknown>): AsyncIterable<string>
}

// classic-level's compactRange, which level's types do not re-export.
interface Compactable {
  compactRange (start: string, end: string, options: { keyEncoding: 'utf8' }): Promise<void>
}

async function blockInfoLog (location: string): Promise<void> {
  for (const name of ['LOG', 'LOG.old']) {
    const dir = path.join(location, name)
    let isDir = false
    try {
      isDir = (await stat(dir)).isDirectory()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    if (!isDir) {
      try {
        await mkdir(dir)
      } catch (err) {
        // A LOG file left by an older LevelDB user: refuse rather than keep appending times to it.
        throw new CandourError('STORE_FAILED', 'store holds a LevelDB info log file; remove LOG and LOG.old', { cause: err })
      }
    }
    if ((await readdir(dir)).length === 0) {
      await writeFile(path.join(dir, 'README'), 'Placeholder: keeps LevelDB from writing its time-stamped info log.\n')
    }
  }
}

function levelRange (range: Range = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) if (range[bound] !== undefined) out[bound] = range[bound]
  if (range.reverse === true) out.reverse = true
  if (range.limit !== undefined) out.limit = range.limit
  return out
}

type PlainOp = Exclude<BatchOp, { type: 'add' }>

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Turns counter additions into puts (or deletes at zero) against the values
 * stored now; several additions to one key in a batch add up. Runs inside the
 * serialised batch queue, so no other write lands between the read and the batch.
 */
async function resolveAdds (ops: readonly BatchOp[], read: (space: Space, key: string) => Promise<Uint8Array | undefined>): Promise<PlainOp[]> {
  if (!ops.some((op) => op.type === 'add')) return ops as PlainOp[]
  const sums = new Map<string, number>()
  const out: PlainOp[] = []
  for (const op of ops) {
    if (op.type !== 'add') { out.push(op); continue }
    if (!Number.isSafeInteger(op.delta)) throw new TypeError('counter delta must be an integer')
    const id = `${op.space}\n${op.key}`
    let current = sums.get(id)
    if (current === undefined) {
      const raw = await read(op.space, op.key)
      current = raw === undefined ? 0 : Number(decoder.decode(raw))
      if (!Number.isSafeInteger(current)) throw new CandourError('STORE_FAILED', 'counter holds a non-integer')
    }
    sums.set(id, current + op.delta)
  }
  for (const [id, sum] of sums) {
    const [space, key] = id.split('\n') as [Space, string]
    out.push(sum === 0 ? { type: 'del', space, key } : { type: 'put', space, key, value: encoder.encode(String(sum)) })
  }
  return out
}

class LevelKv implements Kv {
  readonly #db: Level<string, Uint8Array>
  readonly #location: string
  readonly #subs: Map<Space, Sub>
  // Batches run one after another, so an expectation checked is still true when the batch lands.
  #queue: Promise<unknown> = Promise.resolve()

  constructor (db: Level<string, Uint8Array>, location: string) {
    this.#db = db
    this.#location = location
    this.#subs = new Map(SPACES.map((space) => [space, db.sublevel<string, Uint8Array>(space, { keyEncoding: 'utf8', valueEncoding: 'view' }) as unknown as Sub]))
  }

  #sub (space: Space): Sub {
    const sub = this.#subs.get(space)
    if (sub === undefined) throw new TypeError('unknown store space')
    return sub
  }

  async get (space: Space, key: string): Promise<Uint8Array | undefined> {
    return this.#sub(space).get(key)
  }

  async batch (ops: readonly BatchOp[], options: { readonly expect?: readonly Expectation[] } = {}): Promise<void> {
    const run = this.#queue.then(() => this.#apply(ops, options.expect ?? []))
    this.#queue = run.catch(() => {})
    await run
  }

  async #apply (ops: readonly BatchOp[], expect: readonly Expectation[]): Promise<void> {
    for (const expectation of expect) {
      const actual = await this.#sub(expectation.space).get(expectation.key)
      const same = actual === undefined || expectation.value === undefined
        ? actual === expectation.value
        : Buffer.from(actual).equals(expectation.value)
      if (!same) throw new CandourError('STORE_CONFLICT', 'record changed meanwhile')
    }
    if (ops.length === 0) return
    const resolved = await resolveAdds(ops, (space, key) => this.#sub(space).get(key))
    await this.#db.batch(resolved.map((op) => op.type === 'put'
      ? { type: 'put' as const, sublevel: this.#sub(op.space), key: op.key, value: op.value }
      : { type: 'del' as const, sublevel: this.#sub(op.space), key: op.key }) as never)
  }

  async * entries (space: Space, range?: Range): AsyncIterable<[string, Uint8Array]> {
    for await (const entry of this.#sub(space).iterator(levelRange(range))) yield entry as [string, Uint8Array]
  }

  async * keys (space: Space, range?: Range): AsyncIterable<string> {
    for await (const key of this.#sub(space).keys(levelRange(range))) yield key
  }

  async * snapshot (): AsyncIterable<SnapshotEntry> {
    // One iterator over the root: sublevel keys are "!<space>!<key>", and LevelDB takes the
    // iterator's snapshot when it is created, so every space is read as of the same moment.
    const iterator = this.#db.iterator({ keyEncoding: 'utf8', valueEncoding: 'view', gte: '!', lt: '"' }) as unknown as AsyncIterable<[string, Uint8Array]>
    for await (const [raw, value] of iterator) {
      const end = raw.indexOf('!', 1)
      const space = raw.slice(1, end) as Space
      // Only the spaces the store knows: anything else in the files is not ours to copy.
      if (end < 0 || !this.#subs.has(space)) continue
      yield [space, raw.slice(end + 1), value]
    }
  }

  async compact (space: Space, range: { gte: string; lt: string }): Promise<void> {
    // Sublevel keys are stored under the prefix "!<space>!"; compact the root range.
    const prefix = `!${space}!`
    await (this.#db as unknown as Compactable).compactRange(prefix + range.gte, prefix + range.lt, { keyEncoding: 'utf8' })
  }

  async close (): Promise<void> {
    await this.#db.close()
    openHere.delete(this.#location)
  }
}

// LevelDB locks the store with fcntl(). A second open in the same process fails in LevelDB,
// which then closes its descriptor of LOCK, and closing any descriptor of a file drops every
// fcntl lock the process holds on it (POSIX): the store would stay open here yet be unlocked
// for other processes. So a second open in this process is refused before LevelDB sees it.
const openHere = new Set<string>()

/** Opens the LevelDB under `dataDir/store`; fails with STORE_LOCKED when another process, or this one, holds it. */
export async function openLevelKv (dataDir: string): Promise<Kv> {
  const location = path.join(dataDir, 'store')
  await mkdir(location, { recursive: true, mode: 0o700 })
  await chmod(location, 0o700)
  const real = await realpath(location)
  if (openHere.has(real)) throw new CandourError('STORE_LOCKED', 'store is already open in this process')
  openHere.add(real)
  try {
    await blockInfoLog(location)
    // No Snappy: nearly every byte stored is ciphertext, which does not compress, so trying
    // cost CPU at every flush and compaction for nothing (docs/performance.md).
    const db = new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view', compression: false })
    try {
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause
      if (cause?.code === 'LEVEL_LOCKED') throw new CandourError('STORE_LOCKED', 'store is open in another process', { cause: err })
      throw new CandourError('STORE_FAILED', 'store could not be opened', { cause: err })
    }
    return new LevelKv(db, real)
  } catch (err) {
    openHere.delete(real)
    throw err
  }
}
