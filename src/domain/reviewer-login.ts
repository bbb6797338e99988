/**
 * Checking a reviewer's login: password (scrypt, bounded concurrency), then a
 * TOTP code one step either side of now and later than the last one accepted.
 * More than five failures within a minute lock that account for a minute,
 * per account and never per address (there is none to use).
 *
 * The last accepted step and the recent failures are kept in this process's
 * memory: they are clock times, which may not be written under DATA_DIR
 * (promise 1), and only the server checks codes. What a restart forgets: a
 * code accepted in the ninety seconds before a restart could be accepted once
 * more after it, and a lock ends early. Both need the password as well.
 */
import { performance } from 'node:perf_hooks'
import type { Kv } from '../store/kv.js'
import { appendAudit } from './audit.js'
import type { LoginThrottle } from './login-throttle.js'
import { DUMMY_HASH, verifyPassword } from './passwords.js'
import { getReviewer, isUsername, type ReviewerRecord } from './reviewers.js'
import { acceptTotp } from './totp.js'

/** Why a login failed; recorded as the audit entry's detail, never shown (the page says one thing for all). */
export type LoginFailure = 'bad-password' | 'bad-code' | 'locked'

/** The outcome of one login attempt. */
export type LoginOutcome =
  | { readonly ok: true; readonly account: ReviewerRecord }
  | { readonly ok: false; readonly reason: LoginFailure }

/** Limits of the per-account lock. */
export interface LockLimits {
  /** Failures within the window that lock the account. */
  readonly maxFailures: number
  readonly windowMs: number
  readonly lockMs: number
}

/** Five failures within a minute lock the account for a minute: the sixth attempt is refused. */
export const DEFAULT_LOCK: LockLimits = Object.freeze({ maxFailures: 5, windowMs: 60_000, lockMs: 60_000 })

// Failures of no account, or of a locked one, written to the audit log per minute across the
// instance: anyone can send those, and a flood must not grow the log without bound. Logins, and
// wrong passwords or codes for a real account (five a minute at most, then it locks), are always written.
const MAX_FLOOD_AUDITS_PER_MINUTE = 60

interface AccountState {
  failures: number[]
  lockedUntil: number
  lastStep: number | undefined
}

/** The reviewer login checker, one per server process. */
export class ReviewerLogin {
  readonly #kv: Kv
  readonly #throttle: LoginThrottle
  readonly #limits: LockLimits
  readonly #clock: () => number
  // Keyed by usernames of existing accounts only, so it grows with the accounts, not with attempts.
  readonly #accounts = new Map<string, AccountState>()
  readonly #floodAudits: number[] = []

  constructor (kv: Kv, throttle: LoginThrottle, options: { limits?: LockLimits; clock?: () => number } = {}) {
    this.#kv = kv
    this.#throttle = throttle
    this.#limits = options.limits ?? DEFAULT_LOCK
    this.#clock = options.clock ?? Date.now
  }

  /** Checks one attempt and writes its audit entry ('login' or 'login-failed'). */
  async attempt (username: string, password: string, code: string): Promise<LoginOutcome> {
    const account = isUsername(username) ? await getReviewer(this.#kv, username) : undefined
    const state = account === undefined ? undefined : this.#state(account.username)
    const locked = state !== undefined && performance.now() < state.lockedUntil
    // Run for every attempt, matching or not, so the answer's timing tells nothing about the account.
    const passwordOk = await this.#throttle.run(() => verifyPassword(password, account === undefined || locked ? DUMMY_HASH : account.password))
    if (account === undefined || state === undefined) return this.#fail('unknown', 'bad-password')
    if (locked) return this.#fail(account.username, 'locked')
    if (!passwordOk) return this.#fail(account.username, 'bad-password', state)
    // Checked and recorded in one synchronous step, so two logins with one code cannot both pass.
    const step = acceptTotp(account.totpSecret, code.trim(), state.lastStep, this.#clock())
    if (step === undefined) return this.#fail(account.username, 'bad-code', state)
    state.lastStep = step
    state.failures = []
    await appendAudit(this.#kv, { actor: account.username, action: 'login' })
    return { ok: true, account }
  }

  #state (username: string): AccountState {
    let state = this.#accounts.get(username)
    if (state === undefined) {
      state = { failures: [], lockedUntil: 0, lastStep: undefined }
      this.#accounts.set(username, state)
    }
    return state
  }

  async #fail (actor: string, reason: LoginFailure, state?: AccountState): Promise<LoginOutcome> {
    const now = performance.now()
    if (state !== undefined) {
      state.failures = state.failures.filter((at) => at > now - this.#limits.windowMs)
      state.failures.push(now)
      if (state.failures.length >= this.#limits.maxFailures) {
        state.lockedUntil = now + this.#limits.lockMs
        state.failures = []
      }
    }
    const flood = state === undefined
    while (this.#floodAudits.length > 0 && this.#floodAudits[0]! <= now - 60_000) this.#floodAudits.shift()
    if (!flood || this.#floodAudits.length < MAX_FLOOD_AUDITS_PER_MINUTE) {
      if (flood) this.#floodAudits.push(now)
      await appendAudit(this.#kv, { actor, action: 'login-failed', detail: reason })
    }
    return { ok: false, reason }
  }
}
