/**
 * Codenames: seven words drawn with a CSPRNG from the EFF large wordlist
 * (7,776 words, about 90 bits). A codename is shown once and never stored;
 * two independent scrypt derivations turn it into the reporter identifier and
 * the passphrase of the reporter's reply key.
 */
import { randomInt, scrypt, type BinaryLike } from 'node:crypto'
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

/**
 * Derivations allowed to run at once in this process. Each holds 128 x N bytes
 * (32 MiB at the production cost) on one of libuv's four threads, which the
 * store and the file system share: a hundred reports committing at once would
 * otherwise take all four threads and 128 MiB, and stall every upload's writes
 * behind them (measured in docs/performance.md). Two keep both cores busy.
 */
export const MAX_CONCURRENT_DERIVATIONS = 2

// Process-wide because what it rations, the thread pool and the memory, is process-wide.
let running = 0
const waiting: Array<() => void> = []

async function withSlot<T> (work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_DERIVATIONS) await new Promise<void>((resolve) => waiting.push(resolve))
  else running++
  try {
    return await work()
  } finally {
    // The slot passes straight to the next in line, or is freed.
    const next = waiting.shift()
    if (next !== undefined) next()
    else running--
  }
}

function derive (codename: string, pepper: BinaryLike, label: string, cost: number): Promise<Buffer> {
  const salt = Buffer.concat([Buffer.from(label, 'utf8'), Buffer.from(pepper as Uint8Array)])
  return withSlot(() => new Promise((resolve, reject) => {
    scrypt(normalizeCodename(codename), salt, 32, { N: cost, r: 8, p: 1, maxmem: 256 * cost * 8 }, (err, key) => {
      if (err === null) resolve(key)
      else reject(err)
    })
  }))
}

/** The reporter identifier (hex) that keys the reporter record. */
export async function deriveReporterId (codename: string, peppers: Peppers, cost: number): Promise<string> {
  return (await derive(codename, peppers.reporterId, 'candour/reporter-id/v1\0', cost)).toString('hex')
}

/** The passphrase that locks the reporter's reply secret key. */
export async function deriveReplyPassphrase (codename: string, peppers: Peppers, cost: number): Promise<string> {
  return (await derive(codename, peppers.replyKey, 'candour/reply-key/v1\0', cost)).toString('base64')
}
