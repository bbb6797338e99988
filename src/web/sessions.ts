/**
 * Server-side sessions, in memory only: the cookie carries a random id and
 * nothing else, nothing is written to the store, and every session ends on
 * logout, after an idle period, at the end of its absolute lifetime however
 * busy it is (issue 9), or when the process restarts. The number of
 * live sessions is capped; the least recently used goes first.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { performance } from 'node:perf_hooks'

/** One live session. */
export interface Session<T> {
  readonly id: string
  readonly csrf: string
  readonly data: T
}

/** A random handle of 32 bytes, base64url (43 characters). */
export function randomHandle (): string {
  return randomBytes(32).toString('base64url')
}

/** Whether a submitted CSRF token matches the session's, in constant time. */
export function csrfMatches (session: { csrf: string }, submitted: string | undefined): boolean {
  if (submitted === undefined) return false
  const a = Buffer.from(session.csrf)
  const b = Buffer.from(submitted)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** An in-memory session store with idle expiry and a size cap. */
export class SessionStore<T> {
  readonly #idleMs: number
  readonly #lifetimeMs: number
  readonly #max: number
  readonly #sessions = new Map<string, { session: Session<T>; seen: number; born: number }>()
  readonly #now: () => number

  /**
   * `now` is a monotonic clock in ms (performance.now unless a test drives
   * idleness by hand); `lifetimeMs` ends a session that long after it began,
   * however active (no limit unless given).
   */
  constructor (options: { idleMs: number; max: number; lifetimeMs?: number; now?: () => number }) {
    this.#idleMs = options.idleMs
    this.#lifetimeMs = options.lifetimeMs ?? Number.POSITIVE_INFINITY
    this.#max = options.max
    this.#now = options.now ?? (() => performance.now())
  }

  /** Number of live sessions. */
  get size (): number {
    this.#sweep()
    return this.#sessions.size
  }

  /**
   * Starts a new session (a fresh id: never reuse one from before login),
   * ending `replacing`, the session the same browser presented, if any.
   */
  create (data: T, replacing?: Session<T>): Session<T> {
    if (replacing !== undefined) this.end(replacing.id)
    this.#sweep()
    while (this.#sessions.size >= this.#max) this.#sessions.delete(this.#sessions.keys().next().value!)
    const session = Object.freeze({ id: randomHandle(), csrf: randomHandle(), data })
    const now = this.#now()
    this.#sessions.set(session.id, { session, seen: now, born: now })
    return session
  }

  /** The live session with this id, refreshed; undefined when absent or idle too long. */
  get (id: string | undefined): Session<T> | undefined {
    if (id === undefined) return undefined
    this.#sweep()
    const entry = this.#sessions.get(id)
    if (entry === undefined) return undefined
    // Re-inserted so that the map stays ordered by last use.
    this.#sessions.delete(id)
    const now = this.#now()
    if (now - entry.born >= this.#lifetimeMs) return undefined
    this.#sessions.set(id, { session: entry.session, seen: now, born: entry.born })
    return entry.session
  }

  /** Ends a session. */
  end (id: string): void {
    this.#sessions.delete(id)
  }

  #sweep (): void {
    const cutoff = this.#now() - this.#idleMs
    for (const [id, entry] of this.#sessions) {
      if (entry.seen > cutoff) break
      this.#sessions.delete(id)
    }
  }
}
