/**
 * A reporter's return: the codename is checked for shape, turned into the
 * reporter identifier and the reply-key passphrase, and dropped. What stays is
 * the identifier and the unlocked reply key, in memory, for one visit.
 */
import { unlockReplyKey, type UnlockedReplyKey } from '../crypto/reply-keys.js'
import type { Kv } from '../store/kv.js'
import { getReporter } from '../store/records.js'
import { CODENAME_WORDS, WORDLIST, deriveReporterKeys, normalizeCodename, type Peppers } from './codenames.js'

/** The longest input worth looking at: seven of the longest words and their spaces, with room to spare. */
export const MAX_CODENAME_INPUT = 128

const WORDS = new Set(WORDLIST)

/** What a logged-in reporter's session keeps. */
export interface ReporterIdentity {
  readonly reporterId: string
  readonly replyKey: UnlockedReplyKey
}

/** Why a codename was refused before any derivation. */
export type CodenameShape = 'ok' | 'missing' | 'invalid' | 'not-words'

/** Checks a typed codename's shape: length, alphabet, and that it is seven words of the list. */
export function codenameShape (input: string): CodenameShape {
  if (input.trim() === '') return 'missing'
  if (input.length > MAX_CODENAME_INPUT || !/^[A-Za-z\s-]+$/u.test(input)) return 'invalid'
  const words = normalizeCodename(input).split(' ')
  return words.length === CODENAME_WORDS && words.every((w) => WORDS.has(w)) ? 'ok' : 'not-words'
}

/** Derives the reporter's keys from a well-shaped codename; undefined when no such reporter exists. */
export async function authenticate (kv: Kv, peppers: Peppers, cost: number, codename: string): Promise<ReporterIdentity | undefined> {
  const { reporterId, replyPassphrase } = await deriveReporterKeys(codename, peppers, cost)
  const reporter = await getReporter(kv, reporterId)
  if (reporter === undefined) return undefined
  const replyKey = await unlockReplyKey(reporter.lockedReplySecretKey, replyPassphrase)
  return replyKey === undefined ? undefined : Object.freeze({ reporterId, replyKey })
}
