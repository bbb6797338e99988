/**
 * The force keys as they stand at each use (issue 9). Keys are checked at
 * start-up, but a key can expire while the server runs: from that moment it is
 * no longer encrypted to, and a force left with no usable key is unavailable,
 * shown so on the form and refused with FORCE_UNAVAILABLE, instead of every
 * report to it failing inside OpenPGP. Each key that drops out is reported
 * once, through `onExpired`.
 */
import type * as openpgp from 'openpgp'
import type { RecipientKeys } from './keys.js'

/** One checked key of a force, with the moment it stops being usable for encryption. */
export interface ForceKey {
  /** The file it came from (for the log). */
  readonly file: string
  readonly key: openpgp.PublicKey
  readonly fingerprint: string
  /** Key id of the encryption subkey (16 hex digits). */
  readonly encryptionKeyId: string
  /** Milliseconds since the epoch; Infinity for a key that never expires. */
  readonly usableUntil: number
}

/** What `onExpired` is told: the key that dropped out, and whether its force has none left. */
export interface KeyExpired {
  readonly forceId: string
  readonly file: string
  readonly fingerprint: string
  readonly forceUnavailable: boolean
}

interface Entry {
  usable: readonly ForceKey[]
  recipients: RecipientKeys | undefined
}

function build (keys: readonly ForceKey[]): RecipientKeys | undefined {
  if (keys.length === 0) return undefined
  return Object.freeze({
    fingerprints: Object.freeze(keys.map((k) => k.fingerprint)),
    encryptionKeyIds: Object.freeze(keys.map((k) => k.encryptionKeyId)),
    keys: Object.freeze(keys.map((k) => k.key)),
  })
}

/** When a checked key stops being usable: the earlier of its own expiry and its encryption subkey's. */
export async function usableUntil (key: openpgp.PublicKey, now: Date): Promise<number> {
  const ms = (value: Date | number | null): number => value instanceof Date ? value.getTime() : Number.POSITIVE_INFINITY
  const encryptionKey = await key.getEncryptionKey(undefined, now)
  const own = ms(await key.getExpirationTime())
  return encryptionKey === key ? own : Math.min(own, ms(await (encryptionKey as openpgp.Subkey).getExpirationTime()))
}

/** A map of force id to its usable keys, judged by the clock at every read. */
export class LiveRecipients implements ReadonlyMap<string, RecipientKeys> {
  readonly #entries = new Map<string, Entry>()
  readonly #now: () => number
  readonly #onExpired: (event: KeyExpired) => void

  /** `now` is wall-clock milliseconds (Date.now unless a test moves it on). */
  constructor (byForce: ReadonlyMap<string, readonly ForceKey[]>, options: { now?: () => number; onExpired?: (event: KeyExpired) => void } = {}) {
    for (const [forceId, keys] of byForce) if (keys.length > 0) this.#entries.set(forceId, { usable: keys, recipients: build(keys) })
    this.#now = options.now ?? Date.now
    this.#onExpired = options.onExpired ?? (() => {})
  }

  /** The force's keys usable now, or undefined when it has none. */
  get (forceId: string): RecipientKeys | undefined {
    const entry = this.#entries.get(forceId)
    if (entry === undefined) return undefined
    const now = this.#now()
    if (entry.usable.every((k) => k.usableUntil > now)) return entry.recipients
    // Dropped for good: a clock set back does not bring an expired key back.
    const expired = entry.usable.filter((k) => k.usableUntil <= now)
    entry.usable = entry.usable.filter((k) => k.usableUntil > now)
    entry.recipients = build(entry.usable)
    for (const k of expired) this.#onExpired({ forceId, file: k.file, fingerprint: k.fingerprint, forceUnavailable: entry.recipients === undefined })
    return entry.recipients
  }

  has (forceId: string): boolean {
    return this.get(forceId) !== undefined
  }

  get size (): number {
    return [...this.keys()].length
  }

  * entries (): MapIterator<[string, RecipientKeys]> {
    for (const forceId of [...this.#entries.keys()]) {
      const recipients = this.get(forceId)
      if (recipients !== undefined) yield [forceId, recipients]
    }
  }

  * keys (): MapIterator<string> {
    for (const [forceId] of this.entries()) yield forceId
  }

  * values (): MapIterator<RecipientKeys> {
    for (const [, recipients] of this.entries()) yield recipients
  }

  forEach (callback: (value: RecipientKeys, key: string, map: ReadonlyMap<string, RecipientKeys>) => void, thisArg?: unknown): void {
    for (const [forceId, recipients] of this.entries()) callback.call(thisArg, recipients, forceId, this)
  }

  [Symbol.iterator] (): MapIterator<[string, RecipientKeys]> {
    return this.entries()
  }
}
