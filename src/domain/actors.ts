/**
 * Who acts (issue 9): a reviewer as their session presents them, or the
 * operator at the command line. Every use case of the workspace, the command
 * line and the account management starts by turning its actor into the
 * account as the store holds it now (`accountOf`), so a session cannot
 * outlive a removal, a reset or a new account of the same name, whichever
 * entry point or path spelling it comes through.
 */
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'
import { getReviewer, type ReviewerRecord } from './reviewers.js'

/** A reviewer as their session presents them: the account and its generation at login. */
export interface ReviewerActor {
  readonly kind: 'reviewer'
  readonly username: string
  /** The account's random id at login. */
  readonly accountId: string
  /** The account's generation at login (it grows at every password or 2FA reset). */
  readonly generation: number
}

/** The operator at the command line, audited as `cli`. */
export interface OperatorActor {
  readonly kind: 'operator'
}

/** Anyone a use case acts for. */
export type Actor = ReviewerActor | OperatorActor

/** The command-line operator. */
export const OPERATOR: OperatorActor = Object.freeze({ kind: 'operator' })

/** The reviewer actor of an account as it is now (what a login puts in the session). */
export function actorOf (account: ReviewerRecord): ReviewerActor {
  return Object.freeze({ kind: 'reviewer', username: account.username, accountId: account.id, generation: account.generation })
}

/** The name the audit log records for an actor. */
export function auditName (actor: Actor): string {
  return actor.kind === 'operator' ? 'cli' : actor.username
}

/**
 * The reviewer's account as the store holds it now; SESSION_ENDED when it is
 * gone or is not the account the session began with (another id, or a reset
 * since: another generation).
 */
export async function accountOf (kv: Kv, actor: ReviewerActor): Promise<ReviewerRecord> {
  const account = await getReviewer(kv, actor.username)
  if (account === undefined || account.id !== actor.accountId || account.generation !== actor.generation) {
    throw new CandourError('SESSION_ENDED', 'reviewer account removed or changed since login')
  }
  return account
}
