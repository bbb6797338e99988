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
 * busy (BUSY, a 503 page) rather than queued without end.
 *
 * A new reporter's upload is told before it starts, never after: `admit` checks
 * the bound when the request arrives, before its body is read, and the
 * admission it returns is a promise of a place. When the upload ends, minutes
 * later over Tor, `run` with that admission waits its turn however long the
 * queue has grown meanwhile, and never answers BUSY: refusing then would throw
 * away a whole report the service had agreed to take. The queue does not count
 * admissions; whoever holds them bounds them. The report route holds each one
 * inside an upload counted by the upload gate (CANDOUR_MAX_UPLOADS), so at most
 * `maxWaitingNewReporters + maxUploads` new reporters ever wait. Nor does an
 * admission reserve anything while its upload runs: slow uploads cannot hold
 * places to shut new reporters out. An admission is used once; one never used
 * (an aborted upload, a form sent back with errors) is simply dropped.
 *
 * There is no ceiling on failed logins: with no client address to tell people
 * apart it would be a switch that anyone could throw to keep every reporter
 * from their replies (issue 9), and a codename of about 90 bits needs none.
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

/**
 * A place promised to a request when it was admitted (`admit`): its derivation
 * waits its turn and is never refused. Opaque; good for one `run` of its kind on
 * the queue that gave it.
 */
export interface Admission {
  readonly kind: 'new-reporter'
}

/** Counts per kind. */
export type PerKind = Readonly<Record<DerivationKind, number>>

/** Bounded slots with three queues in order of priority. */
export class DerivationQueue {
  readonly #limits: DerivationLimits
  readonly #waiting: Record<DerivationKind, Array<() => void>> = { login: [], 'new-reporter': [], background: [] }
  readonly #started: Record<DerivationKind, number> = { login: 0, 'new-reporter': 0, background: 0 }
  // Weakly held: an admission dropped unused is forgotten with its request, so nothing here grows.
  readonly #unused = new WeakSet<Admission>()
  #running = 0

  constructor (limits: DerivationLimits = DEFAULT_DERIVATION_LIMITS) {
    if (!Number.isSafeInteger(limits.concurrency) || limits.concurrency < 1) throw new RangeError('concurrency must be at least 1')
    this.#limits = limits
  }

  /**
   * Runs `work` in a slot when its turn comes. Throws BUSY at once when the
   * kind's queue is full, unless `admission` (from `admit`, unused) promised
   * this request its place.
   */
  async run<T> (kind: DerivationKind, work: () => Promise<T>, admission?: Admission): Promise<T> {
    const admitted = admission !== undefined && this.#use(kind, admission)
    // Background work also waits whenever anyone else does, so it never takes a slot from them.
    const othersWaiting = this.#waiting.login.length + this.#waiting['new-reporter'].length > 0
    if (this.#running >= this.#limits.concurrency || (kind === 'background' && othersWaiting)) {
      if (!admitted && this.#waiting[kind].length >= this.#bound(kind)) throw new CandourError('BUSY', 'too many waiting for a codename derivation')
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

  /**
   * Admits a request that may need a derivation of `kind` when it ends (a new
   * reporter's upload), before anything of it is read: BUSY now if `checked` and
   * the queue is full, else its place, which `run` honours later. `checked` is
   * false when the derivation is unlikely to be needed (the codename reserve has
   * one ready) but must still be certain if it is.
   */
  admit (kind: Admission['kind'], checked = true): Admission {
    if (checked && this.full(kind)) throw new CandourError('BUSY', 'too many waiting for a codename derivation')
    const admission: Admission = Object.freeze({ kind })
    this.#unused.add(admission)
    return admission
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

  // An admission counts once, for its own kind, on the queue that gave it; anything else is a programmer's mistake.
  #use (kind: DerivationKind, admission: Admission): boolean {
    if (admission.kind !== kind || !this.#unused.delete(admission)) throw new TypeError('admission already used, or not for this queue and kind')
    return true
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
