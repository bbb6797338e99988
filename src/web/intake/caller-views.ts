/**
 * A returning caller's view, for one call (issue 11): the caller's identity
 * (reporter id and unlocked reply key) held in this process's memory under
 * the handler's session id, never written anywhere. It ends when the handler
 * ends the call or goes to any other intake page, when the handler's session
 * ends, and after 15 minutes without a request. A new call replaces it.
 */
import { performance } from 'node:perf_hooks'
import type { ReporterIdentity } from '../../domain/reporters.js'

/** Fifteen minutes without a request ends a call's view. */
export const CALL_IDLE_MS = 15 * 60 * 1000

/** Open calls, one per handler session at most. */
export class CallerViews {
  readonly #idleMs: number
  readonly #max: number
  readonly #now: () => number
  readonly #views = new Map<string, { caller: ReporterIdentity; seen: number }>()

  /** `now` is a monotonic clock in ms (a test may drive it by hand). */
  constructor (options: { idleMs?: number; max?: number; now?: () => number } = {}) {
    this.#idleMs = options.idleMs ?? CALL_IDLE_MS
    this.#max = options.max ?? 1000
    this.#now = options.now ?? (() => performance.now())
  }

  /** Opens the caller's view for this handler session, ending any other it had. */
  open (handlerSession: string, caller: ReporterIdentity): void {
    this.end(handlerSession)
    this.#sweep()
    while (this.#views.size >= this.#max) this.#views.delete(this.#views.keys().next().value!)
    this.#views.set(handlerSession, { caller, seen: this.#now() })
  }

  /** The caller of this handler session's open call, refreshed; undefined when none or idle too long. */
  get (handlerSession: string): ReporterIdentity | undefined {
    this.#sweep()
    const entry = this.#views.get(handlerSession)
    if (entry === undefined) return undefined
    this.#views.delete(handlerSession)
    this.#views.set(handlerSession, { caller: entry.caller, seen: this.#now() })
    return entry.caller
  }

  /** Ends the call of this handler session, if any. */
  end (handlerSession: string): void {
    this.#views.delete(handlerSession)
  }

  /** Number of open calls (tests). */
  get size (): number {
    this.#sweep()
    return this.#views.size
  }

  #sweep (): void {
    const cutoff = this.#now() - this.#idleMs
    for (const [id, entry] of this.#views) {
      if (entry.seen > cutoff) break
      this.#views.delete(id)
    }
  }
}
