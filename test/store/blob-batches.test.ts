/**
 * writeBlob gathers chunks into batches and keeps one batch in flight while the
 * next is gathered: whatever fails, and whenever, nothing of the blob is left
 * behind, and blobs written side by side never mix.
 */
import test, { type ExecutionContext } from 'ava'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Ciphertext } from '../../src/crypto/ciphertext.js'
import { MAX_BATCH_BYTES, readBlob, writeBlob } from '../../src/store/blobs.js'
import type { BatchOp, Kv, Space } from '../../src/store/kv.js'
import { openLevelKv } from '../../src/store/level-kv.js'

const CHUNK = 64 * 1024

async function store (t: ExecutionContext): Promise<Kv> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-blob-batches-'))
  const kv = await openLevelKv(dir)
  t.teardown(async () => { await kv.close(); await rm(dir, { recursive: true, force: true }) })
  return kv
}

async function count (kv: Kv, space: Space): Promise<number> {
  let n = 0
  for await (const _ of kv.keys(space)) n++
  return n
}

async function * source (parts: readonly Uint8Array[], failAfter = Infinity): AsyncIterable<Ciphertext> {
  for (const [i, part] of parts.entries()) {
    if (i === failAfter) throw new Error('source broke')
    yield part as Ciphertext
  }
}

async function contents (kv: Kv, id: string): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of readBlob(kv, id)) parts.push(part)
  return Buffer.concat(parts)
}

// The real store, with its Nth batch refused: a disk that fills up mid-upload.
function failingOnBatch (kv: Kv, n: number): Kv {
  let batches = 0
  return {
    get: (space, key) => kv.get(space, key),
    async batch (ops: readonly BatchOp[], options) {
      if (++batches === n) throw new Error('disk full')
      return kv.batch(ops, options)
    },
    entries: (space, range) => kv.entries(space, range),
    snapshot: () => kv.snapshot(),
    keys: (space, range) => kv.keys(space, range),
    compact: (space, range) => kv.compact(space, range),
    close: () => kv.close(),
  }
}

test('a source failing after several batches were written leaves no chunk and no marker', async (t) => {
  const kv = await store(t)
  const parts = Array.from({ length: 3 * MAX_BATCH_BYTES / CHUNK + 5 }, () => randomBytes(CHUNK))
  await t.throwsAsync(writeBlob(kv, source(parts, parts.length - 2)), { message: 'source broke' })
  t.is(await count(kv, 'blobs'), 0)
  t.is(await count(kv, 'pending'), 0)
})

test('a store write failing mid-blob, with another in flight, fails the blob and leaves nothing', async (t) => {
  const kv = await store(t)
  const parts = Array.from({ length: 4 * MAX_BATCH_BYTES / CHUNK }, () => randomBytes(CHUNK))
  // Batch 1 is the pending marker; batch 3 is the second batch of chunks, refused while the first may still be landing.
  await t.throwsAsync(writeBlob(failingOnBatch(kv, 3), source(parts)), { message: 'disk full' })
  t.is(await count(kv, 'blobs'), 0)
  t.is(await count(kv, 'pending'), 0)
})

test('many blobs written at once each read back whole, in order, unmixed', async (t) => {
  const kv = await store(t)
  const blobs = Array.from({ length: 40 }, (_, i) => Array.from({ length: 3 + (i % 7) }, () => randomBytes(CHUNK - i)))
  const written = await Promise.all(blobs.map((parts) => writeBlob(kv, source(parts))))
  for (const [i, blob] of written.entries()) {
    t.true((await contents(kv, blob.id)).equals(Buffer.concat(blobs[i]!)), `blob ${i}`)
    t.is(blob.size, blobs[i]!.reduce((n, part) => n + part.byteLength, 0))
  }
  t.is(await count(kv, 'pending'), blobs.length)
})
