/**
 * The small key-value interface everything above the store is written
 * against. Two implementations: the LevelDB itself (level-kv.ts), and a client
 * of the running server's control socket (remote-kv.ts), because LevelDB
 * admits one process at a time.
 */

/** The sublevels of the store. Keys inside each carry nothing sensitive: random ids, force ids, UTC dates. */
export const SPACES = ['meta', 'reports', 'by-force', 'reporters', 'blobs', 'pending', 'audit', 'reviewers', 'inbox', 'seen', 'seen-by-report', 'stats', 'stats-retired'] as const

/** One sublevel name. */
export type Space = typeof SPACES[number]

/** One operation of an atomic batch. */
export type BatchOp =
  | { readonly type: 'put'; readonly space: Space; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly space: Space; readonly key: string }
  /**
   * Adds `delta` to a counter held as a decimal string (absent = 0; a sum of 0
   * removes the key). Applied where batches are serialised, so concurrent
   * increments never conflict and never lose a count (issue 12).
   */
  | { readonly type: 'add'; readonly space: Space; readonly key: string; readonly delta: number }

/** A condition of a batch: the key holds exactly this value (undefined: the key is absent). */
export interface Expectation {
  readonly space: Space
  readonly key: string
  readonly value: Uint8Array | undefined
}

/**
 * How a conditional batch is applied: `kv.batch` itself, or a caller's way
 * that adds writes of its own to the same batch (a use case's audit entry,
 * domain/audit.ts), so the store can offer it without knowing what they are.
 * Fails with STORE_CONFLICT, as `kv.batch` does, when an expectation no longer holds.
 */
export type Commit = (ops: readonly BatchOp[], expect: readonly Expectation[]) => Promise<void>

/** Commit as `kv.batch` alone. */
export function plainCommit (kv: Kv): Commit {
  return async (ops, expect) => { await kv.batch(ops, { expect }) }
}

/** One entry of a whole-store snapshot. */
export type SnapshotEntry = readonly [Space, string, Uint8Array]

/** A key range inside one sublevel; bounds are compared as UTF-8 strings. */
export interface Range {
  readonly gt?: string
  readonly gte?: string
  readonly lt?: string
  readonly lte?: string
  readonly reverse?: boolean
  readonly limit?: number
}

/** The store's primitive operations. */
export interface Kv {
  /** The value, or undefined when the key is absent ("not found" is not an error). */
  get (space: Space, key: string): Promise<Uint8Array | undefined>
  /**
   * Applies every operation or none. With `expect`, applies them only if every
   * expected value is still in place, else fails with STORE_CONFLICT: the
   * read-modify-write of a record by the server and the command line at once
   * cannot lose an update.
   */
  batch (ops: readonly BatchOp[], options?: { readonly expect?: readonly Expectation[] }): Promise<void>
  /** Entries of a range, in key order (or reverse). */
  entries (space: Space, range?: Range): AsyncIterable<[string, Uint8Array]>
  /** Keys of a range, in key order (or reverse). */
  keys (space: Space, range?: Range): AsyncIterable<string>
  /**
   * Every entry of every space as one consistent view: a single LevelDB
   * iterator, whose implicit snapshot is taken when it is created, so writes
   * landing meanwhile are not seen (and a batch is seen whole or not at all).
   * Read at the reader's pace; nothing is gathered in memory.
   */
  snapshot (): AsyncIterable<SnapshotEntry>
  /** Asks LevelDB to rewrite the files holding a range, so deleted data does not linger. */
  compact (space: Space, range: { gte: string; lt: string }): Promise<void>
  close (): Promise<void>
}

/** The range of every key that starts with `prefix`. */
export function prefixRange (prefix: string): { gte: string; lt: string } {
  return { gte: prefix, lt: prefix + '\uffff' }
}
