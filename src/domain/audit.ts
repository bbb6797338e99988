/**
 * The audit trail of reviewer and administrator actions (issue 4): an
 * append-only, hash-chained log in the store. Each entry holds the UTC date
 * only (no time of day, promise 1), the actor, the action, the report id and a
 * closed detail value, with the previous entry's hash and its own; editing or
 * deleting any entry, or the chain head, breaks `verifyAudit`.
 *
 * The head (last sequence number and hash) lives in `meta` and is moved with
 * compare-and-swap in the same batch as the new entry, so the server and the
 * command line appending at once (through the control socket) can neither fork
 * the chain nor lose an entry. What a chain alone cannot show is the loss of
 * its newest entries together with a head rewritten to match: the head's
 * sequence number is printed by `audit verify`, so an operator who keeps that
 * number elsewhere can notice.
 */
import { createHash, randomInt } from 'node:crypto'
import { CandourError, isCandourError } from '../errors.js'
import { plainCommit, type BatchOp, type Commit, type Expectation, type Kv } from '../store/kv.js'
import { utcDate } from './dates.js'

/** Every action the audit log records. */
export type AuditAction = 'login' | 'login-failed' | 'logout' | 'download' | 'reply' | 'status' | 'transfer' | 'delete' | 'reviewer-add' | 'reviewer-remove' | 'reviewer-reset-2fa' | 'reviewer-reset-password' | 'export' | 'purge' | 'phone-report' | 'phone-follow-up' | 'statistics'

/** The actions, for checks and listings. */
export const AUDIT_ACTIONS: readonly AuditAction[] = Object.freeze(['login', 'login-failed', 'logout', 'download', 'reply', 'status', 'transfer', 'delete', 'reviewer-add', 'reviewer-remove', 'reviewer-reset-2fa', 'reviewer-reset-password', 'export', 'purge', 'phone-report', 'phone-follow-up', 'statistics'])

/** What a caller appends. */
export interface AuditInput {
  /**
   * A reviewer's username, 'cli' for the command line, 'unknown' for a failed login of no such reviewer,
   * or 'phone' for the phone line, which never names its call handler (issue 11).
   */
  readonly actor: string
  readonly action: AuditAction
  readonly report?: string
  /** A closed value (a status, an outcome, a force id, a username the action was about): never free text. */
  readonly detail?: string
}

/** One stored entry. */
export interface AuditEntry {
  /** Position in the chain, from 1. */
  readonly seq: number
  /** UTC date, YYYY-MM-DD. */
  readonly date: string
  readonly actor: string
  readonly action: AuditAction
  readonly report?: string
  readonly detail?: string
  /** The previous entry's hash (64 zeros for the first). */
  readonly prev: string
  readonly hash: string
}

/** The result of checking the chain. */
export interface AuditVerification {
  readonly ok: boolean
  /** Entries that verified before the first fault (all of them when ok). */
  readonly entries: number
  /** The sequence number (from 1) where the chain is first broken. */
  readonly brokenAt?: number
}

const HEAD_KEY = 'audit-head'
const GENESIS = '0'.repeat(64)
const SEQ_DIGITS = 12
const MAX_ATTEMPTS = 50
// Closed values only: usernames, force ids, report ids (hex), statuses, outcomes.
const TOKEN = /^[a-z0-9][a-z0-9-]{0,63}$/

/** The store key of an entry: its sequence number, zero-padded so key order is chain order. */
export function auditKey (seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0')
}

/** The hash of an entry: SHA-256 over a fixed-order JSON array of every field but the hash. */
export function auditHash (entry: Omit<AuditEntry, 'hash'>): string {
  // An array, not an object: the encoding cannot depend on property order.
  const canonical = JSON.stringify([entry.seq, entry.date, entry.actor, entry.action, entry.report ?? null, entry.detail ?? null, entry.prev])
  return createHash('sha256').update(canonical, 'utf8').digest('hex')
}

function checkInput (entry: AuditInput): void {
  if (!TOKEN.test(entry.actor)) throw new TypeError('audit actor is not a closed value')
  if (!AUDIT_ACTIONS.includes(entry.action)) throw new TypeError('unknown audit action')
  if (entry.report !== undefined && !TOKEN.test(entry.report)) throw new TypeError('audit report id is not a closed value')
  if (entry.detail !== undefined && !TOKEN.test(entry.detail)) throw new TypeError('audit detail is not a closed value')
}

interface Head { readonly seq: number; readonly hash: string }

function parseHead (raw: Uint8Array | undefined): Head | undefined {
  if (raw === undefined) return undefined
  try {
    const head = JSON.parse(Buffer.from(raw).toString('utf8')) as Head
    if (Number.isSafeInteger(head.seq) && head.seq >= 0 && typeof head.hash === 'string') return head
  } catch {}
  return undefined
}

function encode (value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8')
}

/** Other writes to land in the same batch as the entry, and the values they depend on. */
export interface AuditAlso {
  readonly ops?: readonly BatchOp[]
  readonly expect?: readonly Expectation[]
}

async function unchanged (kv: Kv, expect: readonly Expectation[]): Promise<boolean> {
  for (const e of expect) {
    const actual = await kv.get(e.space, e.key)
    if ((actual === undefined || e.value === undefined) ? actual !== e.value : !Buffer.from(actual).equals(e.value)) return false
  }
  return true
}

/**
 * Appends one entry to the chain; safe against concurrent appends by the
 * server and the command line. With `also`, the caller's own writes land in
 * the same batch (an action and its record, all or nothing); if the caller's
 * expectations fail, STORE_CONFLICT is thrown for the caller to read again.
 */
export async function appendAudit (kv: Kv, entry: AuditInput, also: AuditAlso = {}): Promise<void> {
  checkInput(entry)
  // Appends through one Kv handle go one at a time, so only another process (the server, or the
  // command line) can race this one; without the queue, a busy process would starve its own slower writers.
  const previous = queues.get(kv) ?? Promise.resolve()
  const mine = previous.then(() => append(kv, entry, also))
  queues.set(kv, mine.catch(() => {}))
  await mine
}

const queues = new WeakMap<Kv, Promise<unknown>>()

/**
 * The commit of an action's decisive batch with its audit entry in it, all or
 * nothing (for store functions that take a Commit, such as modifyRecord);
 * without an entry, the batch alone. The entry is checked now, before the
 * action does any work.
 */
export function auditedCommit (kv: Kv, entry: AuditInput | undefined): Commit {
  if (entry === undefined) return plainCommit(kv)
  checkInput(entry)
  return async (ops, expect) => { await appendAudit(kv, entry, { ops, expect }) }
}

async function append (kv: Kv, entry: AuditInput, also: AuditAlso): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // After a lost race, a short random pause, so two processes do not collide in step again.
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, randomInt(1 + Math.min(attempt, 10) * 5)))
    const raw = await kv.get('meta', HEAD_KEY)
    const head = parseHead(raw)
    if (raw !== undefined && head === undefined) throw new CandourError('STORE_FAILED', 'audit head unreadable')
    const body = {
      seq: (head?.seq ?? 0) + 1,
      date: utcDate(),
      actor: entry.actor,
      action: entry.action,
      ...(entry.report === undefined ? {} : { report: entry.report }),
      ...(entry.detail === undefined ? {} : { detail: entry.detail }),
      prev: head?.hash ?? GENESIS,
    }
    const stored: AuditEntry = { ...body, hash: auditHash(body) }
    const key = auditKey(stored.seq)
    try {
      await kv.batch([
        ...(also.ops ?? []),
        { type: 'put', space: 'audit', key, value: encode(stored) },
        { type: 'put', space: 'meta', key: HEAD_KEY, value: encode({ seq: stored.seq, hash: stored.hash }) },
      ], { expect: [...(also.expect ?? []), { space: 'meta', key: HEAD_KEY, value: raw }, { space: 'audit', key, value: undefined }] })
      return
    } catch (err) {
      if (!isCandourError(err, 'STORE_CONFLICT')) throw err
      // The caller's record changed: theirs to re-read. Else someone appended first: try again on the new head.
      if (also.expect !== undefined && !(await unchanged(kv, also.expect))) throw err
    }
  }
  throw new CandourError('STORE_CONFLICT', 'audit head kept changing')
}

function parseEntry (raw: Uint8Array): AuditEntry | undefined {
  try {
    const entry = JSON.parse(Buffer.from(raw).toString('utf8')) as AuditEntry
    if (entry === null || typeof entry !== 'object' || !Number.isSafeInteger(entry.seq)) return undefined
    return entry
  } catch {
    return undefined
  }
}

/** Checks the whole chain: every entry in sequence, each linked to the one before, and the head on the last. */
export async function verifyAudit (kv: Kv): Promise<AuditVerification> {
  let count = 0
  let prev = GENESIS
  // Walks the entries after the last one checked; false at the first fault.
  const walk = async (): Promise<boolean> => {
    for await (const [key, raw] of kv.entries('audit', { gt: auditKey(count) })) {
      const entry = parseEntry(raw)
      const expected = count + 1
      // A missing entry shows as a gap; a moved or edited one as a wrong key, link or hash.
      if (entry === undefined || key !== auditKey(expected) || entry.seq !== expected || entry.prev !== prev ||
        typeof entry.hash !== 'string' || auditHash(entry) !== entry.hash) return false
      prev = entry.hash
      count = expected
    }
    return true
  }
  if (!await walk()) return { ok: false, entries: count, brokenAt: count + 1 }
  for (;;) {
    // Read after the walk: an entry and the head are written in one batch, so the head is never behind the entries seen.
    const head = parseHead(await kv.get('meta', HEAD_KEY))
    if (head === undefined) return count === 0 ? { ok: true, entries: 0 } : { ok: false, entries: count - 1, brokenAt: count }
    if (head.seq < count) return { ok: false, entries: head.seq, brokenAt: head.seq + 1 }
    if (head.seq === count) return head.hash === prev ? { ok: true, entries: count } : { ok: false, entries: count - 1, brokenAt: count }
    // The head is further on: entries appended while walking (check them too), or the newest ones removed.
    const before = count
    if (!await walk()) return { ok: false, entries: count, brokenAt: count + 1 }
    if (count === before) return { ok: false, entries: count, brokenAt: count + 1 }
  }
}

/** Entries in chain order (or newest first), optionally only those before or after a sequence number. */
export async function * auditEntries (kv: Kv, options: { reverse?: boolean; limit?: number; before?: number; after?: number } = {}): AsyncIterable<AuditEntry> {
  const range = {
    ...(options.before === undefined ? {} : { lt: auditKey(Math.max(0, options.before)) }),
    ...(options.after === undefined ? {} : { gt: auditKey(Math.max(0, options.after)) }),
    ...(options.reverse === true ? { reverse: true } : {}),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  }
  for await (const [, raw] of kv.entries('audit', range)) {
    const entry = parseEntry(raw)
    // An unreadable entry is skipped here; verifyAudit is where it shows.
    if (entry !== undefined) yield entry
  }
}
