/**
 * Codenames: seven words drawn with a CSPRNG from the EFF large wordlist
 * (7,776 words, about 90 bits). A codename is shown once and never stored;
 * one scrypt derivation turns it into a secret from which HKDF draws, apart,
 * the reporter identifier and the passphrase of the reporter's reply key.
 */
import { hkdfSync, randomInt, scrypt } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** Number of words in a codename. */
export const CODENAME_WORDS = 7

const WORDLIST_SIZE = 7776

function loadWordlist (): readonly string[] {
  const words = readFileSync(new URL('./eff-large-wordlist.txt', import.meta.url), 'utf8').split('\n').filter((w) => w !== '')
  // Checked when built, as SecureDrop does: a short or repeated list would silently weaken every codename.
  if (words.length !== WORDLIST_SIZE || new Set(words).size !== WORDLIST_SIZE || !words.every((w) => /^[a-z-]+$/.test(w))) {
    throw new TypeError('codename wordlist is damaged')
  }
  return Object.freeze(words)
}

/** The EFF large wordlist. */
export const WORDLIST = loadWordlist()

/** A fresh random codename. */
export function generateCodename (): string {
  const words: string[] = []
  for (let i = 0; i < CODENAME_WORDS; i++) words.push(WORDLIST[randomInt(WORDLIST_SIZE)]!)
  return words.join(' ')
}

/** Codename as typed, with surrounding and repeated white space and letter case forgiven. */
export function normalizeCodename (input: string): string {
  return input.trim().toLowerCase().split(/\s+/u).join(' ')
}

/** The two instance-wide secret peppers; they must differ (checked at load). */
export interface Peppers {
  readonly reporterId: Uint8Array
  readonly replyKey: Uint8Array
}

/** What a codename opens: the reporter identifier and the reply-key passphrase. */
export interface ReporterKeys {
  /** Hex; keys the reporter record. */
  readonly reporterId: string
  /** Locks the reporter's reply secret key. */
  readonly replyPassphrase: string
}

/**
 * Derives a codename's reporter keys with one scrypt run. One is enough: a
 * guess at a codename is tested against a stored reporter identifier, so a
 * second derivation for the passphrase added no cost to an attacker, only to
 * every new reporter and every login (docs/performance.md). The two results are
 * drawn from the scrypt output with HKDF under their own pepper and label, so
 * neither reveals the other. Callers run it in a slot of the service's
 * DerivationQueue (derivation-queue.ts), which bounds how many run at once.
 */
export async function deriveReporterKeys (codename: string, peppers: Peppers, cost: number): Promise<ReporterKeys> {
  const salt = Buffer.concat([Buffer.from('candour/reporter/v2\0', 'utf8'), Buffer.from(peppers.reporterId), Buffer.from(peppers.replyKey)])
  const secret = await new Promise<Buffer>((resolve, reject) => {
    scrypt(normalizeCodename(codename), salt, 32, { N: cost, r: 8, p: 1, maxmem: 256 * cost * 8 }, (err, key) => {
      if (err === null) resolve(key)
      else reject(err)
    })
  })
  const draw = (pepper: Uint8Array, label: string): Buffer => Buffer.from(hkdfSync('sha256', secret, pepper, label, 32))
  const keys = Object.freeze({
    reporterId: draw(peppers.reporterId, 'candour/reporter-id/v2').toString('hex'),
    replyPassphrase: draw(peppers.replyKey, 'candour/reply-key/v2').toString('base64'),
  })
  secret.fill(0)
  return keys
}
