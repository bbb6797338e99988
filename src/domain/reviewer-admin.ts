/**
 * The use cases of reviewer accounts and the audit log (issue 9): reading the
 * audit log (administrators), logging out, and managing accounts (the
 * command-line operator, or an administrator). Like the workspace's use
 * cases, each resolves its actor to the account as it is now, checks the
 * role, acts, and leaves the audit entry (account changes write it in the
 * same batch as the change, see reviewers.ts).
 */
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'
import { accountOf, auditName, type Actor, type ReviewerActor } from './actors.js'
import { appendAudit, auditEntries, verifyAudit, type AuditEntry, type AuditVerification } from './audit.js'
import { accountRole, addReviewer, listReviewers, removeReviewer, resetPassword, resetTwoFactor, type AccountRole, type ReviewerSecrets } from './reviewers.js'
import { viewerOf, type KeyWarnings, type Viewer } from './viewer.js'

/** One page of the audit log, newest first. */
export interface AuditPage {
  readonly viewer: Viewer
  readonly verification: AuditVerification
  /** The newest entry's sequence number (0: none). */
  readonly newest: number
  /** The page starts here (at most `newest`). */
  readonly from: number
  readonly entries: readonly AuditEntry[]
}

/** A reviewer account as a listing shows it: no secret. */
export interface AccountListing {
  readonly username: string
  readonly force: string | null
  readonly admin: boolean
  readonly role: AccountRole
}

function notFound (): CandourError {
  return new CandourError('NOT_FOUND', 'not found')
}

/** Account and audit use cases, one instance per process or command. */
export class ReviewerAdmin {
  readonly #kv: Kv
  readonly #keyWarnings: KeyWarnings | undefined

  /** `keyWarnings`: the unit key warnings the audit page shows (the running service's; the command line shows no page). */
  constructor (kv: Kv, keyWarnings?: KeyWarnings) {
    this.#kv = kv
    this.#keyWarnings = keyWarnings
  }

  /** A page of the audit log for an administrator (NOT_FOUND for anyone else: the page does not exist for them). */
  async auditPage (actor: ReviewerActor, options: { from?: number; size: number }): Promise<AuditPage> {
    const account = await accountOf(this.#kv, actor)
    if (!account.admin) throw notFound()
    const verification = await verifyAudit(this.#kv)
    let newest = 0
    for await (const entry of auditEntries(this.#kv, { reverse: true, limit: 1 })) newest = entry.seq
    const from = options.from === undefined ? newest : Math.min(options.from, newest)
    const entries: AuditEntry[] = []
    for await (const entry of auditEntries(this.#kv, { reverse: true, limit: options.size, before: from + 1 })) entries.push(entry)
    return { viewer: viewerOf(account, this.#keyWarnings), verification, newest, from, entries }
  }

  /** Notes a logout in the audit log; a session whose account is gone or changed ends without an entry. */
  async logout (actor: ReviewerActor): Promise<void> {
    try {
      await accountOf(this.#kv, actor)
    } catch {
      return
    }
    await appendAudit(this.#kv, { actor: actor.username, action: 'logout' })
  }

  /** Creates an account; returns the secrets to hand over once. */
  async add (actor: Actor, options: { username: string; force: string | null; admin: boolean; callHandler?: boolean }): Promise<ReviewerSecrets> {
    await this.#manager(actor)
    return addReviewer(this.#kv, { ...options, actor: auditName(actor) })
  }

  /** Every account, without secrets. */
  async list (actor: Actor): Promise<AccountListing[]> {
    await this.#manager(actor)
    const all: AccountListing[] = []
    for await (const account of listReviewers(this.#kv)) all.push({ username: account.username, force: account.force, admin: account.admin, role: accountRole(account) })
    return all
  }

  /** A new TOTP secret; the account's sessions end. NOT_FOUND when there is no such account. */
  async resetTwoFactor (actor: Actor, username: string): Promise<ReviewerSecrets> {
    await this.#manager(actor)
    return await resetTwoFactor(this.#kv, username, auditName(actor)) ?? Promise.reject(new CandourError('NOT_FOUND', 'no such reviewer'))
  }

  /** A new seven-word password; the account's sessions end. NOT_FOUND when there is no such account. */
  async resetPassword (actor: Actor, username: string): Promise<ReviewerSecrets> {
    await this.#manager(actor)
    return await resetPassword(this.#kv, username, auditName(actor)) ?? Promise.reject(new CandourError('NOT_FOUND', 'no such reviewer'))
  }

  /** Removes an account; its sessions end at their next request. NOT_FOUND when there is no such account. */
  async remove (actor: Actor, username: string): Promise<void> {
    await this.#manager(actor)
    if (!await removeReviewer(this.#kv, username, auditName(actor))) throw new CandourError('NOT_FOUND', 'no such reviewer')
  }

  // Account management is for the operator, or an administrator whose session still holds.
  async #manager (actor: Actor): Promise<void> {
    if (actor.kind === 'operator') return
    if (!(await accountOf(this.#kv, actor)).admin) throw notFound()
  }
}
