/**
 * Keeping the deliberately slow codename derivation from becoming a
 * denial-of-service lever. There is no client address to limit by (and none
 * may be used), so limits are instance-wide: a bounded number of derivations
 * at once with a bounded queue behind them, and a ceiling on failed logins in
 * a sliding window. Clocks are monotonic; nothing is recorded about anyone.
 */
import { performance } from 'node:perf_hooks'
import { CandourError } from '../errors.js'

/** Limits of the throttle. */
export interface ThrottleLimits {
  /** Derivations running at once. */
  readonly concurrency: number
  /** Logins allowed to wait for a slot; more are told the service is busy. */
  readonly maxQueue: number
  /** Failed logins allowed in the window, across the whole instance. */
  readonly maxFailures: number
  readonly windowMs: number
}

/** The default limits: two derivations at once, 50 waiting, 30 failures a minute. */
export const DEFAULT_THROTTLE: ThrottleLimits = Object.freeze({ concurrency: 2, maxQueue: 50, maxFailures: 30, windowMs: 60_000 })

/** Bounded concurrency and an instance-wide failure ceiling for logins. */
export class LoginThrottle {
  readonly #limits: ThrottleLimits
  readonly #waiting: Array<() => void> = []
  readonly #failures: number[] = []
  #running = 0
  #started = 0

  constructor (limits: ThrottleLimits = DEFAULT_THROTTLE) {
    this.#limits = limits
  }

  /** Throws TOO_MANY_ATTEMPTS while the failure ceiling is reached. */
  checkAllowed (): void {
    this.#prune()
    if (this.#failures.length >= this.#limits.maxFailures) throw new CandourError('TOO_MANY_ATTEMPTS', 'too many failed logins on this instance')
  }

  /** Counts one failed login. */
  recordFailure (): void {
    this.#failures.push(performance.now())
    this.#prune()
  }

  /** Runs `work` when a slot is free; throws LOGIN_BUSY when the queue is full. */
  async run<T> (work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limits.concurrency) {
      if (this.#waiting.length >= this.#limits.maxQueue) throw new CandourError('LOGIN_BUSY', 'too many logins waiting')
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else {
      this.#running++
    }
    this.#started++
    try {
      return await work()
    } finally {
      // The slot passes straight to the next in line, or is freed.
      const next = this.#waiting.shift()
      if (next !== undefined) next()
      else this.#running--
    }
  }

  /** Logins running and waiting, and how many derivations ever started (for the benchmark and tests). */
  get load (): { running: number; waiting: number; started: number } {
    return { running: this.#running, waiting: this.#waiting.length, started: this.#started }
  }

  #prune (): void {
    const cutoff = performance.now() - this.#limits.windowMs
    while (this.#failures.length > 0 && this.#failures[0]! <= cutoff) this.#failures.shift()
    // Only the count matters; never keep more entries than the ceiling.
    while (this.#failures.length > this.#limits.maxFailures) this.#failures.shift()
  }
}
