/**
 * Warnings about units' keys before they expire (issue 14): `keys check`,
 * the server's daily log and the reviewers' workspace banner all use the same
 * window, so an operator and a unit hear of it at the same time.
 */
import { keysExpiringBefore, type RecipientKeys } from '../crypto/keys.js'

/** How long before a key expires it is warned about. */
export const EXPIRY_WARNING_DAYS = 30

const DAY_MS = 24 * 60 * 60 * 1000

/** The end of the warning window that starts at `now`. */
export function warningHorizon (now: Date): Date {
  return new Date(now.getTime() + EXPIRY_WARNING_DAYS * DAY_MS)
}

/** A force whose keys (one or more) expire within the window, with the earliest date. */
export interface ExpiringForce {
  readonly force: string
  /** UTC date, YYYY-MM-DD. */
  readonly expires: string
}

/** The earliest expiry within the window of one force's keys, or undefined. */
export async function forceKeyExpiry (recipients: RecipientKeys | undefined, now: Date): Promise<string | undefined> {
  if (recipients === undefined) return undefined
  const soon = await keysExpiringBefore(recipients, warningHorizon(now), now)
  return soon.map((key) => key.expires).sort()[0]
}

/** Every force whose keys expire within the window, in force order. */
export async function expiringForces (byForce: ReadonlyMap<string, RecipientKeys>, now: Date): Promise<ExpiringForce[]> {
  const out: ExpiringForce[] = []
  for (const [force, recipients] of byForce) {
    const expires = await forceKeyExpiry(recipients, now)
    if (expires !== undefined) out.push({ force, expires })
  }
  return out
}

/**
 * The expiry warning of each force's keys, as the workspace banner shows it:
 * worked out at most once per force per UTC day (the clock is injected, so
 * tests can move it on).
 */
export class KeyExpiryNotices {
  readonly #recipients: ReadonlyMap<string, RecipientKeys>
  readonly #now: () => Date
  #day = ''
  #byForce = new Map<string, Promise<string | undefined>>()

  constructor (recipients: ReadonlyMap<string, RecipientKeys>, now: () => Date = () => new Date()) {
    this.#recipients = recipients
    this.#now = now
  }

  /** The UTC date the force's key expires on, if that is within the warning window; else undefined. */
  async forForce (force: string): Promise<string | undefined> {
    const now = this.#now()
    const day = now.toISOString().slice(0, 10)
    if (day !== this.#day) {
      this.#day = day
      this.#byForce = new Map()
    }
    let found = this.#byForce.get(force)
    if (found === undefined) {
      found = forceKeyExpiry(this.#recipients.get(force), now)
      this.#byForce.set(force, found)
    }
    return found
  }
}
