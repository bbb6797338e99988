/**
 * Reviewer passwords: seven diceware words from the EFF large wordlist (about
 * 90 bits), generated for the reviewer, never chosen. Stored as a scrypt hash
 * (memory-hard; node:crypto's built-in, so no native addon) with a random salt
 * and the parameters beside it, so a later change of cost still reads old hashes.
 */
import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto'
import { WORDLIST } from './codenames.js'

/** Words in a generated password. */
export const PASSWORD_WORDS = 7

/** A stored password hash with everything needed to check it. */
export interface PasswordHash {
  readonly kdf: 'scrypt'
  readonly N: number
  readonly r: number
  readonly p: number
  /** base64 */
  readonly salt: string
  /** base64 */
  readonly hash: string
}

// N = 2^15, r = 8: 32 MiB and tens of milliseconds per check, the floor the issue sets.
const COST = { N: 2 ** 15, r: 8, p: 1 } as const
const KEY_BYTES = 32
// Longer input is refused before hashing: a password is seven words, never a megabyte.
const MAX_PASSWORD_CHARS = 256

/** A fresh password of seven random words. */
export function generatePassword (): string {
  const words: string[] = []
  for (let i = 0; i < PASSWORD_WORDS; i++) words.push(WORDLIST[randomInt(WORDLIST.length)]!)
  return words.join(' ')
}

// Forgives letter case and repeated or surrounding white space, as codenames do.
function normalize (password: string): string {
  return password.trim().toLowerCase().split(/\s+/).join(' ')
}

function derive (password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(normalize(password), salt, KEY_BYTES, { ...cost, maxmem: 256 * cost.N * cost.r }, (err, key) => {
      if (err === null) resolve(key)
      else reject(err)
    })
  })
}

/** Hashes a password with a random salt. */
export async function hashPassword (password: string): Promise<PasswordHash> {
  const salt = randomBytes(16)
  const hash = await derive(password, salt, COST)
  return Object.freeze({ kdf: 'scrypt', ...COST, salt: salt.toString('base64'), hash: hash.toString('base64') })
}

/** Whether `password` matches the stored hash (compared in constant time). */
export async function verifyPassword (password: string, stored: PasswordHash): Promise<boolean> {
  if (password.length > MAX_PASSWORD_CHARS || stored.kdf !== 'scrypt') return false
  const expected = Buffer.from(stored.hash, 'base64')
  const actual = await derive(password, Buffer.from(stored.salt, 'base64'), { N: stored.N, r: stored.r, p: stored.p })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** A hash no password matches: checked against when the account does not exist, so timing tells nothing. */
export const DUMMY_HASH: PasswordHash = Object.freeze({ kdf: 'scrypt', ...COST, salt: Buffer.alloc(16).toString('base64'), hash: Buffer.alloc(KEY_BYTES).toString('base64') })
