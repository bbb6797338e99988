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
 * The expiry warning of each force's keys, as the workspace banner shows it.
 * A force's keys do not change while the server runs, so the earliest expiry
 * of each is worked out once, at start; whether it falls within the window is
 * then asked of the clock (injected, so tests can move it on).
 */
export class KeyExpiryNotices {
  readonly #earliest: ReadonlyMap<string, string>

  private constructor (earliest: ReadonlyMap<string, string>) {
    this.#earliest = earliest
  }

  /** Reads the expiry of every force's keys. */
  static async of (recipients: ReadonlyMap<string, RecipientKeys>, now: Date = new Date()): Promise<KeyExpiryNotices> {
    const earliest = new Map<string, string>()
    for (const [force, keys] of recipients) {
      const dates = (await keysExpiringBefore(keys, new Date(8.64e15), now)).map((key) => key.expires).sort()
      if (dates[0] !== undefined) earliest.set(force, dates[0])
    }
    return new KeyExpiryNotices(earliest)
  }

  /** The UTC date the force's key expires on, if that is within the warning window at `now`; else undefined. */
  forForce (force: string, now: Date = new Date()): string | undefined {
    const expires = this.#earliest.get(force)
    if (expires === undefined) return undefined
    return Date.parse(`${expires}T00:00:00Z`) <= warningHorizon(now).getTime() ? expires : undefined
  }

  /** Every force whose key expires within the warning window at `now`, in force order. */
  expiring (now: Date = new Date()): ExpiringForce[] {
    const out: ExpiringForce[] = []
    for (const force of this.#earliest.keys()) {
      const expires = this.forForce(force, now)
      if (expires !== undefined) out.push({ force, expires })
    }
    return out
  }
}
