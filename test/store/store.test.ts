/**
 * The store against the real LevelDB in a temporary folder: atomic batches,
 * reopening, chunked blobs and their clean-up, the single-process lock, and
 * the control socket, which must answer exactly as the LevelDB itself does.
 */
import test, { type ExecutionContext } from 'ava'
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import type { Ciphertext } from '../../src/crypto/ciphertext.js'
import { isCandourError } from '../../src/errors.js'
import { discardBlobs, readBlob, removeOrphans, settleOps, writeBlob } from '../../src/store/blobs.js'
import { CONTROL_SOCKET, connectControl, serveControl } from '../../src/store/control.js'
import { SPACES, type BatchOp, type Kv, type Range, type Space } from '../../src/store/kv.js'
import { openLevelKv } from '../../src/store/level-kv.js'
import { openStoreAnyway } from '../../src/store/open.js'
import { startTestService } from '../helpers/service.js'

const run = promisify(execFile)
const MiB = 1024 * 1024

// ---------------------------------------------------------------- helpers

/** A fresh DATA_DIR, removed after the test. */
async function dataDir (t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-store-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Opens the store, closed after the test (closing twice is harmless). */
async function open (t: ExecutionContext, dir: string): Promise<Kv> {
  const kv = await openLevelKv(dir)
  t.teardown(() => kv.close())
  return kv
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const text = (value: Uint8Array | undefined): string | undefined => value === undefined ? undefined : new TextDecoder().decode(value)
const put = (space: Space, key: string, value: string | Uint8Array): BatchOp => ({ type: 'put', space, key, value: typeof value === 'string' ? bytes(value) : value })

// The store never looks inside blob chunks; these bytes stand in for ciphertext.
async function * chunks (parts: readonly Uint8Array[]): AsyncIterable<Ciphertext> {
  for (const part of parts) yield part as Ciphertext
}

async function all<T> (items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

async function blobBytes (kv: Kv, id: string): Promise<Buffer> {
  return Buffer.concat((await all(readBlob(kv, id))).map((chunk) => Buffer.from(chunk)))
}

async function count (kv: Kv, space: Space): Promise<number> {
  return (await all(kv.keys(space))).length
}

/** Entries as [key, length, sha256]: cheap to compare, exact enough to tell values apart. */
async function digest (entries: AsyncIterable<[string, Uint8Array]>): Promise<Array<[string, number, string]>> {
  const out: Array<[string, number, string]> = []
  for await (const [key, value] of entries) out.push([key, value.byteLength, createHash('sha256').update(value).digest('hex')])
  return out
}

async function codeOf (promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (err) {
    return isCandourError(err) ? err.code : `not a CandourError: ${String(err)}`
  }
}

// ---------------------------------------------------------------- batches and reopening

test('a batch spans spaces and lands whole; a batch with one bad operation lands not at all', async (t) => {
  const kv = await open(t, await dataDir(t))
  await kv.batch([put('reports', 'gone', 'old')])
  await kv.batch([
    put('reports', 'r1', 'report'),
    put('by-force', 'met!2024-01-01!r1', ''),
    put('reporters', 'p1', 'reporter'),
    put('blobs', 'b1!00000000', 'chunk'),
    put('pending', 'b1', ''),
    { type: 'del', space: 'reports', key: 'gone' },
  ])
  t.is(text(await kv.get('reports', 'r1')), 'report')
  t.is(text(await kv.get('by-force', 'met!2024-01-01!r1')), '')
  t.is(text(await kv.get('reporters', 'p1')), 'reporter')
  t.is(text(await kv.get('blobs', 'b1!00000000')), 'chunk')
  t.is(text(await kv.get('pending', 'b1')), '')
  t.is(await kv.get('reports', 'gone'), undefined, 'not found is a value, not an error')

  // Spaces are apart: the same key in two spaces holds two values.
  await kv.batch([put('reports', 'same', 'in reports'), put('reporters', 'same', 'in reporters')])
  t.is(text(await kv.get('reports', 'same')), 'in reports')
  t.is(text(await kv.get('reporters', 'same')), 'in reporters')
  t.deepEqual(await all(kv.keys('reports')), ['r1', 'same'])

  // A value LevelDB refuses: the first operation, in another space, must not land either.
  await t.throwsAsync(kv.batch([
    put('reports', 'r2', 'report'),
    { type: 'del', space: 'reporters', key: 'p1' },
    { type: 'put', space: 'blobs', key: 'b2!00000000', value: null as unknown as Uint8Array },
  ]))
  t.is(await kv.get('reports', 'r2'), undefined)
  t.is(text(await kv.get('reporters', 'p1')), 'reporter')
  t.is(await kv.get('blobs', 'b2!00000000'), undefined)

  // An unknown space is a programmer's mistake: a TypeError, and again nothing lands.
  await t.throwsAsync(kv.batch([put('reports', 'r3', 'x'), put('nowhere' as Space, 'k', 'x')]), { instanceOf: TypeError })
  t.is(await kv.get('reports', 'r3'), undefined)
})

test('what was written is read back after the store is closed and reopened', async (t) => {
  const dir = await dataDir(t)
  const first = await openLevelKv(dir)
  const big = randomBytes(3 * MiB)
  const keys = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(3, '0')}`)
  await first.batch(keys.map((key) => put('reports', key, `value of ${key}`)))
  await first.batch([put('blobs', 'big', big), put('meta', 'schema', '1')])
  await first.close()

  const kv = await open(t, dir)
  t.deepEqual(await all(kv.keys('reports')), keys)
  t.is(text(await kv.get('reports', 'k017')), 'value of k017')
  t.true(Buffer.from((await kv.get('blobs', 'big'))!).equals(big))
  t.is(text(await kv.get('meta', 'schema')), '1')
  t.deepEqual(await all(kv.keys('reports', { gte: 'k010', lt: 'k013' })), ['k010', 'k011', 'k012'])
  t.deepEqual(await all(kv.keys('reports', { reverse: true, limit: 2 })), ['k039', 'k038'])
})

// ---------------------------------------------------------------- blobs

test('writeBlob and readBlob round-trip a blob of many chunks, pending until settled', async (t) => {
  const kv = await open(t, await dataDir(t))
  // More than 16 chunks, so that key order must follow the padded sequence numbers; sizes vary.
  const parts = [randomBytes(MiB), randomBytes(1), randomBytes(0), randomBytes(300_000), ...Array.from({ length: 30 }, (_, i) => randomBytes(1000 + i))]
  const blob = await writeBlob(kv, chunks(parts))
  t.regex(blob.id, /^[0-9a-f]{32}$/)
  t.is(blob.size, parts.reduce((n, part) => n + part.byteLength, 0))
  t.true((await blobBytes(kv, blob.id)).equals(Buffer.concat(parts)))
  t.deepEqual(await all(kv.keys('pending')), [blob.id], 'pending until its record commits')

  // Reading one blob never yields another's chunks.
  const other = await writeBlob(kv, chunks([bytes('other')]))
  t.is((await blobBytes(kv, other.id)).toString(), 'other')
  t.true((await blobBytes(kv, blob.id)).equals(Buffer.concat(parts)))

  await kv.batch([put('reports', 'r', 'record'), ...settleOps([blob.id])])
  t.deepEqual(await all(kv.keys('pending')), [other.id])
  t.true((await blobBytes(kv, blob.id)).equals(Buffer.concat(parts)))
})

test('a blob whose source fails midway is removed, chunks and marker, and the error comes through', async (t) => {
  const kv = await open(t, await dataDir(t))
  const failure = new Error('source broke')
  async function * broken (): AsyncIterable<Ciphertext> {
    yield randomBytes(1000) as Uint8Array as Ciphertext
    yield randomBytes(1000) as Uint8Array as Ciphertext
    throw failure
  }
  const err = await t.throwsAsync(writeBlob(kv, broken()))
  t.is(err, failure)
  t.is(await count(kv, 'blobs'), 0)
  t.is(await count(kv, 'pending'), 0)
})

test('discardBlobs removes the named blobs, chunks and markers, and nothing else', async (t) => {
  const kv = await open(t, await dataDir(t))
  // More than 256 chunks: the deletes go in several batches.
  const many = await writeBlob(kv, chunks(Array.from({ length: 600 }, () => randomBytes(64))))
  const small = await writeBlob(kv, chunks([bytes('small')]))
  const kept = await writeBlob(kv, chunks([bytes('kept 1'), bytes('kept 2')]))
  t.is(await count(kv, 'blobs'), 603)

  await discardBlobs(kv, [many.id, small.id])
  t.deepEqual(await all(kv.keys('pending')), [kept.id])
  t.is(await count(kv, 'blobs'), 2)
  t.deepEqual(await all(readBlob(kv, many.id)), [])
  t.is((await blobBytes(kv, kept.id)).toString(), 'kept 1kept 2')

  // Twice, or a blob that never existed: no error.
  await discardBlobs(kv, [many.id, 'f'.repeat(32)])
  t.is(await count(kv, 'blobs'), 2)
})

test('removeOrphans removes every pending blob and keeps settled ones', async (t) => {
  const dir = await dataDir(t)
  const first = await openLevelKv(dir)
  const settled = await writeBlob(first, chunks([bytes('settled')]))
  await first.batch(settleOps([settled.id]))
  await writeBlob(first, chunks([bytes('orphan 1'), bytes('more')]))
  await writeBlob(first, chunks([bytes('orphan 2')]))
  // A crash: the process stops with two uploads unfinished.
  await first.close()

  const kv = await open(t, dir)
  t.is(await removeOrphans(kv), 2)
  t.is(await count(kv, 'pending'), 0)
  t.deepEqual(await all(kv.keys('blobs')), [`${settled.id}!00000000`])
  t.is(await removeOrphans(kv), 0)
})

test('the service removes pending blobs left by an earlier run when it starts', async (t) => {
  const dir = await dataDir(t)
  const earlier = await openLevelKv(dir)
  const settled = await writeBlob(earlier, chunks([bytes('settled')]))
  await earlier.batch(settleOps([settled.id]))
  await writeBlob(earlier, chunks([randomBytes(5000), randomBytes(5000)]))
  await earlier.close()

  const service = await startTestService({ DATA_DIR: dir })
  t.teardown(() => service.dispose())
  const kv = await connectControl(dir)
  t.teardown(() => kv.close())
  t.is(await count(kv, 'pending'), 0)
  t.deepEqual(await all(kv.keys('blobs')), [`${settled.id}!00000000`])
})

// ---------------------------------------------------------------- the lock

test('a second open of a store already open fails with STORE_LOCKED, in this process and in another', async (t) => {
  const dir = await dataDir(t)
  const kv = await open(t, dir)
  t.is(await codeOf(openLevelKv(dir)), 'STORE_LOCKED')

  const module = pathToFileURL(path.resolve(import.meta.dirname, '../../src/store/level-kv.ts')).href
  const code = `import(${JSON.stringify(module)}).then(async (m) => { try { const kv = await m.openLevelKv(process.argv[1]); await kv.close(); console.log('OPENED') } catch (err) { console.log(err.code) } })`
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', code, dir])
  t.is(stdout.trim(), 'STORE_LOCKED')

  // The first holder is unharmed, and once it lets go the store opens again.
  await kv.batch([put('meta', 'still', 'here')])
  await kv.close()
  const again = await open(t, dir)
  t.is(text(await again.get('meta', 'still')), 'here')
})

// ---------------------------------------------------------------- the control socket

test('the control socket answers get, batch, entries and keys exactly as the LevelDB does', async (t) => {
  const dir = await dataDir(t)
  const direct = await open(t, dir)
  const control = await serveControl(direct, dir)
  t.teardown(() => control.close())
  const remote = await connectControl(dir)
  t.teardown(() => remote.close())

  const mode = (await stat(path.join(dir, CONTROL_SOCKET))).mode & 0o777
  t.is(mode.toString(8), '600', 'only the service user may open the socket')

  // 600 entries (more than the 256 of one page), 20 KiB each plus four of 1.5 MiB: 18 MiB in all,
  // several times the 4 MiB a page may carry. Half written through the socket, half directly.
  const keys = Array.from({ length: 600 }, (_, i) => `e${String(i).padStart(4, '0')}`)
  const values = new Map(keys.map((key, i) => [key, randomBytes(i % 150 === 7 ? 1.5 * MiB : 20 * 1024)]))
  const ops = keys.map((key) => put('blobs', key, values.get(key)!))
  await remote.batch(ops.slice(0, 300))
  await direct.batch(ops.slice(300))
  await remote.batch([put('reports', 'r1', 'one'), put('reports', 'r2', 'two'), put('by-force', 'met!2024-01-01!r1', '')])
  await remote.batch([{ type: 'del', space: 'reports', key: 'r2' }, put('pending', 'p', new Uint8Array(0))])

  for (const [space, key] of [['blobs', 'e0007'], ['blobs', 'e0599'], ['reports', 'r1'], ['reports', 'r2'], ['pending', 'p'], ['meta', 'absent']] as Array<[Space, string]>) {
    const [a, b] = await Promise.all([direct.get(space, key), remote.get(space, key)])
    t.is(a === undefined, b === undefined, `${space}/${key}`)
    if (a !== undefined && b !== undefined) t.true(Buffer.from(a).equals(Buffer.from(b)), `${space}/${key}`)
  }
  t.true(Buffer.from((await remote.get('blobs', 'e0157'))!).equals(values.get('e0157')!))
  t.is((await remote.get('pending', 'p'))?.byteLength, 0, 'an empty value is a value, not absence')

  const ranges: Range[] = [
    {},
    { reverse: true },
    { limit: 0 },
    { limit: 1 },
    { limit: 10 },
    { limit: 256 },
    { limit: 257 },
    { limit: 300 },
    { limit: 300, reverse: true },
    { gt: 'e0100' },
    { gte: 'e0100', lt: 'e0450' },
    { gt: 'e0100', lte: 'e0450', reverse: true },
    { gte: 'e0100', lt: 'e0450', reverse: true, limit: 270 },
    { lt: 'e0300', reverse: true },
    { gte: 'e0599' },
    { gt: 'e0599' },
    { gte: 'z' },
  ]
  for (const range of ranges) {
    const label = JSON.stringify(range)
    const expected = await digest(direct.entries('blobs', range))
    t.deepEqual(await digest(remote.entries('blobs', range)), expected, `entries ${label}`)
    t.deepEqual(await all(remote.keys('blobs', range)), expected.map(([key]) => key), `keys ${label}`)
    t.deepEqual(await all(direct.keys('blobs', range)), expected.map(([key]) => key), `direct keys ${label}`)
  }
  t.is((await all(remote.keys('blobs'))).length, 600)
  t.deepEqual(await all(remote.keys('reports')), ['r1'])
  t.deepEqual(await all(remote.keys('by-force', { gt: 'met!', lt: 'met!\uffff', reverse: true })), ['met!2024-01-01!r1'])

  // Many calls in flight at once get their own answers.
  const many = await Promise.all(keys.slice(0, 50).map((key) => remote.get('blobs', key)))
  many.forEach((value, i) => t.true(Buffer.from(value!).equals(values.get(keys[i]!)!)))
})

test('a snapshot reads every space as of one moment, directly and through the control socket alike', async (t) => {
  const dir = await dataDir(t)
  const direct = await open(t, dir)
  const control = await serveControl(direct, dir)
  t.teardown(() => control.close())
  const remote = await connectControl(dir)
  t.teardown(() => remote.close())
  // More than one page of the socket (256 entries, 4 MiB) across several spaces.
  const ops: BatchOp[] = []
  for (let i = 0; i < 700; i++) ops.push(put('blobs', `b${String(i).padStart(4, '0')}`, randomBytes(i % 100 === 3 ? 1.5 * MiB : 64)))
  ops.push(put('reports', 'r1', 'one'), put('audit', '000000000001', 'a'), put('meta', 'schema', '1'), put('pending', 'p', new Uint8Array(0)))
  await direct.batch(ops)

  const expected: string[] = []
  for (const space of SPACES) for await (const [key, value] of direct.entries(space)) expected.push(`${space}/${key}/${createHash('sha256').update(value).digest('hex')}`)
  for (const kv of [direct, remote]) {
    const seen: string[] = []
    let first = true
    for await (const [space, key, value] of kv.snapshot()) {
      if (first) {
        // Writes after the snapshot began are not part of it, in any space.
        await direct.batch([put('reports', 'r2', 'later'), { type: 'del', space: 'blobs', key: 'b0699' }, put('audit', '000000000002', 'b')])
        first = false
      }
      seen.push(`${space}/${key}/${createHash('sha256').update(value).digest('hex')}`)
    }
    t.deepEqual(seen.sort(), [...expected].sort())
    await direct.batch([{ type: 'del', space: 'reports', key: 'r2' }, { type: 'del', space: 'audit', key: '000000000002' }, ops.find((op) => op.key === 'b0699')!])
  }

  // A copy abandoned midway releases its snapshot, and the socket serves on.
  for await (const _ of remote.snapshot()) break
  t.is(text(await remote.get('reports', 'r1')), 'one')
})

test('connectControl fails with CONTROL_FAILED when no server answers', async (t) => {
  const dir = await dataDir(t)
  t.is(await codeOf(connectControl(dir)), 'CONTROL_FAILED')
  const kv = await open(t, dir)
  const control = await serveControl(kv, dir)
  await control.close()
  t.is(await codeOf(connectControl(dir)), 'CONTROL_FAILED')
})

test('openStoreAnyway opens the store directly when it is free, and through the control socket when a service holds it', async (t) => {
  const dir = await dataDir(t)
  const free = await openStoreAnyway(dir)
  t.is(free.access, 'direct')
  await free.kv.batch([put('meta', 'marker', 'direct')])
  await free.kv.close()

  const service = await startTestService({ DATA_DIR: dir })
  t.teardown(() => service.dispose())
  const held = await openStoreAnyway(dir)
  t.teardown(() => held.kv.close())
  t.is(held.access, 'control-socket')
  t.is(text(await held.kv.get('meta', 'marker')), 'direct')
  await held.kv.batch([put('meta', 'marker', 'through the socket')])
  t.is(text(await held.kv.get('meta', 'marker')), 'through the socket')
})
