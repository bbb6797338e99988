/**
 * Reviewer accounts (issue 4), in the store's `reviewers` space keyed by
 * username: a random id given at creation, the force (none for an instance
 * administrator), the admin flag, the scrypt password hash and the TOTP
 * secret. `generation` grows at every password or 2FA reset. A session keeps
 * the id and generation it began with, and every use case ends it when either
 * differs (issue 9): a reset, or a removal followed by a new account of the
 * same name, never revives it. Every change is written in one batch with its
 * audit entry.
 *
 * What the account does not hold: the last accepted TOTP step and the recent
 * failed attempts. Both are clock times, and no clock time may be written
 * under DATA_DIR (promise 1), so the login guard keeps them in the server's
 * memory (reviewer-login.ts); only the server checks codes.
 */
import { randomBytes } from 'node:crypto'
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'
import { appendAudit } from './audit.js'
import { utcDate } from './dates.js'
import { findForce } from './forces.js'
import { generatePassword, hashPassword, type PasswordHash } from './passwords.js'
import { newTotpSecret } from './totp.js'

/** A stored reviewer account. */
export interface ReviewerRecord {
  readonly v: 1
  /** Random, given at creation: a new account of the same name is another account. */
  readonly id: string
  readonly username: string
  /** The reviewer's force; null for an administrator. */
  readonly force: string | null
  readonly admin: boolean
  /** A call handler (issue 11): takes reports by phone, reads no report and belongs to no force. Absent on older records. */
  readonly callHandler?: boolean
  readonly password: PasswordHash
  /** base32, stored as is: the server computes the codes to check them. */
  readonly totpSecret: string
  /** Grows at every password or 2FA reset; a session from an older generation ends. */
  readonly generation: number
  /** UTC date the account was made. */
  readonly created: string
}

/** What a workspace account is for: an instance administrator, a reviewer of one force, or a call handler. */
export type AccountRole = 'admin' | 'reviewer' | 'call-handler'

/** The role of an account. */
export function accountRole (account: Pick<ReviewerRecord, 'admin' | 'callHandler'>): AccountRole {
  return account.admin ? 'admin' : account.callHandler === true ? 'call-handler' : 'reviewer'
}

/** What `reviewer add`, `reset-2fa` and `reset-password` hand out, once. */
export interface ReviewerSecrets {
  readonly username: string
  readonly password?: string
  readonly totpSecret?: string
}

// Names the audit log uses for actors that are not reviewers.
const RESERVED = new Set(['cli', 'unknown', 'phone'])
const MAX_ATTEMPTS = 20

/** Whether `name` is a well-formed username: a lower-case letter, then 2 to 31 of a-z, 0-9 and '-'. */
export function isUsername (name: string): boolean {
  return /^[a-z][a-z0-9-]{2,31}$/.test(name) && !RESERVED.has(name)
}

function encode (record: ReviewerRecord): Uint8Array {
  return Buffer.from(JSON.stringify(record), 'utf8')
}

function decode (raw: Uint8Array): ReviewerRecord {
  const record = JSON.parse(Buffer.from(raw).toString('utf8')) as ReviewerRecord
  // An account made before ids existed has none: the empty id, which no new account gets.
  return typeof record.id === 'string' ? record : { ...record, id: '' }
}

/** A new random account id. */
function newAccountId (): string {
  return randomBytes(16).toString('hex')
}

/** The account, or undefined when there is none (or the name is malformed). */
export async function getReviewer (kv: Kv, username: string): Promise<ReviewerRecord | undefined> {
  if (!isUsername(username)) return undefined
  const raw = await kv.get('reviewers', username)
  return raw === undefined ? undefined : decode(raw)
}

/** Every account, by username (no secrets are read out by callers that list). */
export async function * listReviewers (kv: Kv): AsyncIterable<ReviewerRecord> {
  for await (const [, raw] of kv.entries('reviewers')) yield decode(raw)
}

/**
 * Creates an account of one force, an administrator (force null, admin true)
 * or a call handler (force null, callHandler true); returns the secrets to hand over.
 */
export async function addReviewer (kv: Kv, options: { username: string; force: string | null; admin: boolean; callHandler?: boolean; actor: string }): Promise<ReviewerSecrets> {
  const { username, force, admin } = options
  const callHandler = options.callHandler === true
  if (!isUsername(username)) throw new CandourError('VALIDATION_FAILED', 'username not allowed', { detail: { field: 'username' } })
  if (admin && callHandler) throw new CandourError('VALIDATION_FAILED', 'an account has one role')
  // An administrator and a call handler belong to no force; a reviewer to exactly one.
  if (admin || callHandler ? force !== null : force === null || findForce(force) === undefined) throw new CandourError('FORCE_UNKNOWN', 'unknown force')
  const password = generatePassword()
  const totpSecret = newTotpSecret()
  const record: ReviewerRecord = { v: 1, id: newAccountId(), username, force, admin, ...(callHandler ? { callHandler } : {}), password: await hashPassword(password), totpSecret, generation: 1, created: utcDate() }
  try {
    await appendAudit(kv, { actor: options.actor, action: 'reviewer-add', detail: username }, {
      ops: [{ type: 'put', space: 'reviewers', key: username, value: encode(record) }],
      expect: [{ space: 'reviewers', key: username, value: undefined }],
    })
  } catch (err) {
    if (err instanceof CandourError && err.code === 'STORE_CONFLICT' && await kv.get('reviewers', username) !== undefined) {
      throw new CandourError('VALIDATION_FAILED', 'username taken', { detail: { field: 'username' } })
    }
    throw err
  }
  return { username, password, totpSecret }
}

// Replaces an account's record with `change(current)` and the audit entry in one batch, reading again if it changed meanwhile.
async function changeAccount (kv: Kv, username: string, audit: { actor: string; action: 'reviewer-reset-2fa' | 'reviewer-reset-password' }, change: (current: ReviewerRecord) => Promise<ReviewerRecord>): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const raw = isUsername(username) ? await kv.get('reviewers', username) : undefined
    if (raw === undefined) return false
    const next = await change(decode(raw))
    try {
      await appendAudit(kv, { actor: audit.actor, action: audit.action, detail: username }, {
        ops: [{ type: 'put', space: 'reviewers', key: username, value: encode(next) }],
        expect: [{ space: 'reviewers', key: username, value: raw }],
      })
      return true
    } catch (err) {
      // Changed meanwhile: read it again.
      if (!(err instanceof CandourError && err.code === 'STORE_CONFLICT')) throw err
    }
  }
  throw new CandourError('STORE_CONFLICT', 'account kept changing')
}

/** Gives an account a new TOTP secret (and a new generation, which ends its sessions); undefined when there is no such account. */
export async function resetTwoFactor (kv: Kv, username: string, actor: string): Promise<ReviewerSecrets | undefined> {
  const totpSecret = newTotpSecret()
  const done = await changeAccount(kv, username, { actor, action: 'reviewer-reset-2fa' }, async (current) => ({ ...current, totpSecret, generation: current.generation + 1 }))
  return done ? { username, totpSecret } : undefined
}

/** Gives an account a new seven-word password (and a new generation, which ends its sessions); undefined when there is no such account. */
export async function resetPassword (kv: Kv, username: string, actor: string): Promise<ReviewerSecrets | undefined> {
  const password = generatePassword()
  const hash = await hashPassword(password)
  const done = await changeAccount(kv, username, { actor, action: 'reviewer-reset-password' }, async (current) => ({ ...current, password: hash, generation: current.generation + 1 }))
  return done ? { username, password } : undefined
}

/** Removes an account; false when there was none. Its sessions end at their next request. */
export async function removeReviewer (kv: Kv, username: string, actor: string): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const raw = isUsername(username) ? await kv.get('reviewers', username) : undefined
    if (raw === undefined) return false
    try {
      await appendAudit(kv, { actor, action: 'reviewer-remove', detail: username }, {
        ops: [{ type: 'del', space: 'reviewers', key: username }],
        expect: [{ space: 'reviewers', key: username, value: raw }],
      })
      return true
    } catch (err) {
      if (!(err instanceof CandourError && err.code === 'STORE_CONFLICT')) throw err
    }
  }
  throw new CandourError('STORE_CONFLICT', 'account kept changing')
}
