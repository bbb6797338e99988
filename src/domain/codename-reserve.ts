/**
 * New reporters made ahead of time. Making one costs a scrypt derivation at
 * the production cost (about 65 ms of a core) and a reply key pair; a burst of
 * reports, say after a broadcast about police corruption, would otherwise queue
 * on that work (docs/performance.md). The reserve makes them while no new
 * reporter has come for a while, behind every other derivation, and hands one to
 * each new reporter; when it runs dry, a reporter's own is made on the spot.
 *
 * The reserve lives in memory only: a codename in it belongs to no one yet, and
 * it leaves the reserve when it is handed out. Nothing of it reaches the store
 * or a log, and a restart starts the reserve again from empty.
 */
import { performance } from 'node:perf_hooks'
import { generateReplyKeyPair } from '../crypto/reply-keys.js'
import { deriveReporterKeys, generateCodename, type Peppers } from './codenames.js'
import { utcMidnight } from './dates.js'
import type { Admission, DerivationKind, DerivationQueue } from './derivation-queue.js'

/** Everything a new reporter gets; the codename is shown to them once. */
export interface NewReporter {
  readonly codename: string
  readonly reporterId: string
  readonly replyPublicKey: string
  readonly lockedReplySecretKey: string
}

/** What makes a new reporter: the instance's peppers, the derivation cost and the slots derivations run in. */
export interface NewReporterDeps {
  readonly peppers: Peppers
  readonly scryptCost: number
  readonly derivations: DerivationQueue
}

/**
 * Makes a new reporter now: a codename, its keys, and a reply key pair locked
 * with its passphrase, in a derivation slot of the given kind (BUSY when that
 * queue is full, unless `admission` promised the place).
 */
export async function makeNewReporter (deps: NewReporterDeps, kind: Exclude<DerivationKind, 'login'> = 'new-reporter', admission?: Admission): Promise<NewReporter> {
  return deps.derivations.run(kind, async () => {
    const codename = generateCodename()
    const keys = await deriveReporterKeys(codename, deps.peppers, deps.scryptCost)
    const replyKeys = await generateReplyKeyPair(keys.replyPassphrase, utcMidnight())
    return Object.freeze({ codename, reporterId: keys.reporterId, replyPublicKey: replyKeys.publicKey, lockedReplySecretKey: replyKeys.lockedSecretKey })
  }, admission)
}

/** Hands out new reporters, made ahead of time while it can. */
export class CodenameReserve {
  readonly #deps: NewReporterDeps
  readonly #capacity: number
  readonly #ready: NewReporter[] = []
  readonly #onFirstFull: () => void
  readonly #onFailure: (err: unknown) => void
  readonly #quietMs: number
  #filling: Promise<void> | undefined
  #timer: NodeJS.Timeout | undefined
  #lastTaken = -Infinity
  #closed = false
  #wasFull = false

  /**
   * `capacity` 0 turns the reserve off. The refill waits until no reporter has
   * been handed out for `quietMs` (a second by default), so that it never takes
   * a core from a burst it is meant to serve. `onFirstFull` is called once, when
   * the reserve is first full; `onFailure` when making one fails (the refill
   * stops until the next hand-out).
   */
  constructor (deps: NewReporterDeps, capacity: number, hooks: { quietMs?: number; onFirstFull?: () => void; onFailure?: (err: unknown) => void } = {}) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError('reserve capacity must be a whole number')
    this.#deps = deps
    this.#capacity = capacity
    this.#quietMs = hooks.quietMs ?? 1000
    this.#onFirstFull = hooks.onFirstFull ?? (() => {})
    this.#onFailure = hooks.onFailure ?? (() => {})
  }

  /** How many are ready now. */
  get ready (): number {
    return this.#ready.length
  }

  /** How many it holds when full. */
  get capacity (): number {
    return this.#capacity
  }

  /** Starts filling in the background once it has been quiet long enough (again, if it had stopped). */
  fill (): void {
    if (this.#closed || this.#filling !== undefined || this.#timer !== undefined || this.#ready.length >= this.#capacity) return
    const wait = this.#lastTaken + this.#quietMs - performance.now()
    if (wait > 0) {
      this.#timer = setTimeout(() => { this.#timer = undefined; this.fill() }, wait)
      // A pending refill never keeps the process alive.
      this.#timer.unref()
      return
    }
    this.#filling = this.#refill().finally(() => {
      this.#filling = undefined
      // Stopped for a hand-out rather than full: try again once it is quiet.
      if (this.#ready.length < this.#capacity && performance.now() - this.#lastTaken < this.#quietMs) this.fill()
    })
  }

  async #refill (): Promise<void> {
    try {
      while (!this.#closed && this.#ready.length < this.#capacity) {
        if (performance.now() - this.#lastTaken < this.#quietMs) return
        const made = await makeNewReporter(this.#deps, 'background')
        if (this.#closed) return
        this.#ready.push(made)
      }
      if (!this.#closed && !this.#wasFull) {
        this.#wasFull = true
        this.#onFirstFull()
      }
    } catch (err) {
      this.#onFailure(err)
    }
  }

  /**
   * Admits a new reporter's request before anything of it is read: BUSY if the
   * reserve is empty and the new-reporter queue full now, else a place in that
   * queue for `take`. The place is promised even while codenames are ready,
   * because a long upload may find the reserve emptied by others when it ends.
   */
  admit (): Admission {
    return this.#deps.derivations.admit('new-reporter', this.#ready.length === 0)
  }

  /**
   * A new reporter: one made ahead of time if any is ready, else one made now.
   * Made now, it waits its turn: with the place `admit` promised, however long
   * the queue; without one, BUSY when too many wait.
   */
  async take (admission?: Admission): Promise<NewReporter> {
    this.#lastTaken = performance.now()
    const made = this.#ready.shift()
    this.fill()
    return made ?? await makeNewReporter(this.#deps, 'new-reporter', admission)
  }

  /** Stops filling and forgets every codename it held; resolves once the refill has stopped. */
  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#ready.length = 0
    await this.#filling
  }
}
