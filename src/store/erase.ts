/**
 * Deleting so that the data does not linger in LevelDB's files. A delete only
 * adds a tombstone; the old value stays in a table file until a compaction
 * merges the two. LevelDB's compactRange first flushes the memtable into a
 * table file, then pushes the range down every level *above* the deepest one
 * that holds it. If the value and its tombstone are still both in the
 * memtable, that flush writes them into one file, which may land on the
 * deepest level and is then never rewritten: the value stays on disk (a test
 * showed exactly this). So the range is compacted once BEFORE the delete (the
 * value settles into a table file, and the write-ahead log holding it is
 * dropped) and once AFTER (the tombstone lands on a shallower level and is
 * merged down onto the value, which the merge drops).
 */
import { discardBlobs } from './blobs.js'
import { prefixRange, type Kv, type Space } from './kv.js'

/** A key range of one space. */
export interface SpaceRange {
  readonly space: Space
  readonly gte: string
  readonly lt: string
}

/** The range holding exactly one key. */
export function keyRange (space: Space, key: string): SpaceRange {
  return { space, gte: key, lt: `${key}\u0000` }
}

/** The range holding a blob's chunks. */
export function blobRange (blobId: string): SpaceRange {
  return { space: 'blobs', ...prefixRange(`${blobId}!`) }
}

/** Compacts each range (call it before deleting what they hold, and again after). */
export async function compactRanges (kv: Kv, ranges: readonly SpaceRange[]): Promise<void> {
  for (const range of ranges) await kv.compact(range.space, { gte: range.gte, lt: range.lt })
}

/** Removes blobs (and their pending markers) so that none of their bytes stays in the store's files. */
export async function eraseBlobs (kv: Kv, blobIds: readonly string[]): Promise<void> {
  const ranges = blobIds.map(blobRange)
  await compactRanges(kv, ranges)
  await discardBlobs(kv, blobIds)
  await compactRanges(kv, ranges)
}
