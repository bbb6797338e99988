/**
 * Chunked ciphertext blobs. A blob is written chunk by chunk as it streams in,
 * under a pending marker; the marker is removed in the same batch that commits
 * the record that owns the blob. A blob whose record never arrived (a rejected
 * or aborted upload, a crash) is removed at once, or at the next start.
 */
import { randomBytes } from 'node:crypto'
import type { Ciphertext } from '../crypto/ciphertext.js'
import { prefixRange, type BatchOp, type Kv } from './kv.js'

/** A stored blob. */
export interface BlobInfo {
  readonly id: string
  readonly size: number
}

const EMPTY = new Uint8Array(0)

/**
 * Ciphertext gathered into one store write: up to MAX_BATCH_BYTES while few
 * blobs are being written, shrinking towards MIN_BATCH_BYTES as more are, so
 * all uploads in flight together hold about twice BATCH_BUDGET_BYTES here.
 */
export const MAX_BATCH_BYTES = 1024 * 1024
const MIN_BATCH_BYTES = 64 * 1024
const BATCH_BUDGET_BYTES = 8 * 1024 * 1024

// Blobs being written, per store, so the batch size can share the budget among them.
const writers = new WeakMap<Kv, number>()

function batchBytes (kv: Kv): number {
  const active = Math.max(1, writers.get(kv) ?? 1)
  return Math.min(MAX_BATCH_BYTES, Math.max(MIN_BATCH_BYTES, Math.floor(BATCH_BUDGET_BYTES / active)))
}

/** The key of a blob's chunk number `seq` (exported for the benchmark's store generator). */
export function chunkKey (blobId: string, seq: number): string {
  return `${blobId}!${seq.toString(16).padStart(8, '0')}`
}

/** A new random blob id (no order, no time). */
export function newBlobId (): string {
  return randomBytes(16).toString('hex')
}

/** Writes ciphertext chunks as a pending blob; on failure removes what was written and rethrows. */
export async function writeBlob (kv: Kv, chunks: AsyncIterable<Ciphertext>): Promise<BlobInfo> {
  const id = newBlobId()
  await kv.batch([{ type: 'put', space: 'pending', key: id, value: EMPTY }])
  let size = 0
  let seq = 0
  // Chunks are gathered into batches (see MAX_BATCH_BYTES): each LevelDB write has a fixed
  // cost (a log record, a thread hand-off) that 64 KiB chunks one by one paid tens of
  // thousands of times a GiB. One batch is in flight while the next is gathered, so the
  // store and the cipher work at once; memory holds about two batches (docs/performance.md).
  let gathered: BatchOp[] = []
  let gatheredBytes = 0
  const writing: Array<Promise<void>> = []
  const flush = async (): Promise<void> => {
    const write = kv.batch(gathered)
    // Awaited below; this keeps a failure from counting as unhandled meanwhile.
    write.catch(() => {})
    writing.push(write)
    gathered = []
    gatheredBytes = 0
    if (writing.length > 1) await writing.shift()
  }
  writers.set(kv, (writers.get(kv) ?? 0) + 1)
  try {
    for await (const chunk of chunks) {
      gathered.push({ type: 'put', space: 'blobs', key: chunkKey(id, seq++), value: chunk })
      gatheredBytes += chunk.byteLength
      size += chunk.byteLength
      if (gatheredBytes >= batchBytes(kv)) await flush()
    }
    if (gathered.length > 0) await flush()
    while (writing.length > 0) await writing.shift()
  } catch (err) {
    // Every write still in flight must land (or fail) before its chunks can be removed.
    await Promise.allSettled(writing)
    await discardBlobs(kv, [id])
    throw err
  } finally {
    writers.set(kv, writers.get(kv)! - 1)
  }
  return Object.freeze({ id, size })
}

/** The batch operations that make pending blobs permanent; add them to the owning record's batch. */
export function settleOps (blobIds: readonly string[]): BatchOp[] {
  return blobIds.map((id) => ({ type: 'del', space: 'pending', key: id }))
}

/** Streams a blob's ciphertext, chunk by chunk. */
export async function * readBlob (kv: Kv, blobId: string): AsyncIterable<Uint8Array> {
  for await (const [, value] of kv.entries('blobs', prefixRange(`${blobId}!`))) yield value
}

/** Deletes blobs and their pending markers. */
export async function discardBlobs (kv: Kv, blobIds: readonly string[]): Promise<void> {
  for (const id of blobIds) {
    const ops: BatchOp[] = []
    for await (const key of kv.keys('blobs', prefixRange(`${id}!`))) {
      ops.push({ type: 'del', space: 'blobs', key })
      if (ops.length >= 256) { await kv.batch(ops.splice(0)) }
    }
    ops.push({ type: 'del', space: 'pending', key: id })
    await kv.batch(ops)
  }
}

/** Removes every blob still pending (left by a crash); returns how many. */
export async function removeOrphans (kv: Kv): Promise<number> {
  const ids: string[] = []
  for await (const key of kv.keys('pending')) ids.push(key)
  await discardBlobs(kv, ids)
  return ids.length
}
