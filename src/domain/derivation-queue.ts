/**
 * The slots for codename work: a scrypt derivation (32 MiB and about 65 ms of
 * a core at the production cost) and what comes with it (unlocking or making
 * the reply key). A bounded number run at once, because each holds memory and
 * one of libuv's four threads, which the store and the file system share
 * (docs/performance.md). Behind the slots wait three queues, served in this
 * order:
 *
 * 1. logins: a returning reporter may be waiting for a reply that concerns
 *    their safety, so they go first;
 * 2. new reporters whose codename is made on the spot (the codename reserve is
 *    empty);
 * 3. the reserve's own refill, one at a time, only when nobody else waits.
 *
 * The first two are bounded; past the bound the visitor is told the service is
 * busy (BUSY, a 503 page) rather than queued without end. There is no ceiling
 * on failed logins: with no client address to tell people apart it would be a
 * switch that anyone could throw to keep every reporter from their replies
 * (issue 9), and a codename of about 90 bits needs none.
 */
import { CandourError } from '../errors.js'

/** What a slot is for; the order is the order of service. */
export type DerivationKind = 'login' | 'new-reporter' | 'background'

const KINDS: readonly DerivationKind[] = ['login', 'new-reporter', 'background']

/** Bounds of the queue. */
export interface DerivationLimits {
  /** Slots running at once. */
  readonly concurrency: number
  /** Logins allowed to wait; more are told the service is busy. */
  readonly maxWaitingLogins: number
  /** New reporters allowed to wait for an on-the-spot derivation; more are told the service is busy. */
  readonly maxWaitingNewReporters: number
}

/** Two at a time keep both cores busy; fifty waiting logins wait about two seconds at the production cost. */
export const DEFAULT_DERIVATION_LIMITS: DerivationLimits = Object.freeze({ concurrency: 2, maxWaitingLogins: 50, maxWaitingNewReporters: 50 })

/** Counts per kind. */
export type PerKind = Readonly<Record<DerivationKind, number>>

/** Bounded slots with three queues in order of priority. */
export class DerivationQueue {
  readonly #limits: DerivationLimits
  readonly #waiting: Record<DerivationKind, Array<() => void>> = { login: [], 'new-reporter': [], background: [] }
  readonly #started: Record<DerivationKind, number> = { login: 0, 'new-reporter': 0, background: 0 }
  #running = 0

  constructor (limits: DerivationLimits = DEFAULT_DERIVATION_LIMITS) {
    if (!Number.isSafeInteger(limits.concurrency) || limits.concurrency < 1) throw new RangeError('concurrency must be at least 1')
    this.#limits = limits
  }

  /** Runs `work` in a slot when its turn comes; throws BUSY at once when the kind's queue is full. */
  async run<T> (kind: DerivationKind, work: () => Promise<T>): Promise<T> {
    // Background work also waits whenever anyone else does, so it never takes a slot from them.
    const othersWaiting = this.#waiting.login.length + this.#waiting['new-reporter'].length > 0
    if (this.#running >= this.#limits.concurrency || (kind === 'background' && othersWaiting)) {
      if (this.#waiting[kind].length >= this.#bound(kind)) throw new CandourError('BUSY', 'too many waiting for a codename derivation')
      await new Promise<void>((resolve) => this.#waiting[kind].push(resolve))
    } else {
      this.#running++
      this.#started[kind]++
    }
    try {
      return await work()
    } finally {
      this.#release()
    }
  }

  /** Whether a new request of this kind would be told BUSY now. */
  full (kind: DerivationKind): boolean {
    return this.#running >= this.#limits.concurrency && this.#waiting[kind].length >= this.#bound(kind)
  }

  /** Slots in use, and per kind how many wait and how many ever started (tests and the benchmark). */
  get load (): { running: number; waiting: PerKind; started: PerKind } {
    const waiting = { login: 0, 'new-reporter': 0, background: 0 }
    for (const kind of KINDS) waiting[kind] = this.#waiting[kind].length
    return { running: this.#running, waiting: Object.freeze(waiting), started: Object.freeze({ ...this.#started }) }
  }

  #bound (kind: DerivationKind): number {
    if (kind === 'login') return this.#limits.maxWaitingLogins
    if (kind === 'new-reporter') return this.#limits.maxWaitingNewReporters
    return Number.POSITIVE_INFINITY
  }

  // The slot passes straight to the next in line, in order of priority, or is freed. Counted as
  // started at the hand-over, so that `load` tells at once whose turn it was.
  #release (): void {
    for (const kind of KINDS) {
      const next = this.#waiting[kind].shift()
      if (next !== undefined) {
        this.#started[kind]++
        next()
        return
      }
    }
    this.#running--
  }
}
