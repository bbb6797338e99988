/**
 * Keeping the deliberately slow password check of reviewer logins from
 * becoming a denial-of-service lever: a bounded number of checks at once with
 * a bounded queue behind them (LOGIN_BUSY past it). There is no client address
 * to limit by (and none may be used), and no instance-wide ceiling on failures:
 * one anyone could trip would lock every reviewer out (issue 9); each account
 * locks on its own failures instead (reviewer-login.ts). Codename derivations
 * have their own queues (derivation-queue.ts). Nothing is recorded about anyone.
 */
import { CandourError } from '../errors.js'

/** Limits of the throttle. */
export interface ThrottleLimits {
  /** Checks running at once. */
  readonly concurrency: number
  /** Logins allowed to wait for a slot; more are told the service is busy. */
  readonly maxQueue: number
}

/** The default limits: two checks at once, 50 waiting. */
export const DEFAULT_THROTTLE: ThrottleLimits = Object.freeze({ concurrency: 2, maxQueue: 50 })

/** Bounded concurrency for login checks. */
export class LoginThrottle {
  readonly #limits: ThrottleLimits
  readonly #waiting: Array<() => void> = []
  #running = 0
  #started = 0

  constructor (limits: ThrottleLimits = DEFAULT_THROTTLE) {
    this.#limits = limits
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

  /** Checks running and waiting, and how many ever started (for tests). */
  get load (): { running: number; waiting: number; started: number } {
    return { running: this.#running, waiting: this.#waiting.length, started: this.#started }
  }
}
