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

function chunkKey (blobId: string, seq: number): string {
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
  try {
    for await (const chunk of chunks) {
      await kv.batch([{ type: 'put', space: 'blobs', key: chunkKey(id, seq++), value: chunk }])
      size += chunk.byteLength
    }
  } catch (err) {
    await discardBlobs(kv, [id])
    throw err
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
