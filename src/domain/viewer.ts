/**
 * The account a workspace page is shown for, as its header and banners need
 * it (issue 9), with the key expiry warnings it is to see (issue 14): a
 * reviewer is told of their own unit's key, an administrator of every
 * unit's, a call handler of none. The use cases build it from the account
 * they have just read, so the web layer only renders what it is given.
 */
import { utcDate } from './dates.js'
import type { ExpiringForce, KeyExpiryNotices } from './key-expiry.js'
import { accountRole, type ReviewerRecord } from './reviewers.js'

/** A unit key expiring within the warning window, as a banner shows it. */
export interface KeyWarning extends ExpiringForce {
  /** The date is already past: the key no longer works. */
  readonly expired: boolean
}

/** The account a page is shown for: its header needs no more. */
export type Viewer = Pick<ReviewerRecord, 'username' | 'force' | 'admin' | 'callHandler'> & {
  /** Unit keys expiring soon that this viewer is told of (absent where no warnings are kept, as at the command line). */
  readonly keyWarnings?: readonly KeyWarning[]
}

/** Where warnings come from: the expiries read at start, asked of the service's clock (injected, so tests can move it on). */
export interface KeyWarnings {
  readonly notices: KeyExpiryNotices
  readonly now: () => Date
}

/** The viewer of an account as it is now, with the key warnings it is to see. */
export function viewerOf (account: ReviewerRecord, warnings?: KeyWarnings): Viewer {
  const viewer = { username: account.username, force: account.force, admin: account.admin }
  if (warnings === undefined) return viewer
  return { ...viewer, keyWarnings: keyWarningsFor(account, warnings) }
}

function keyWarningsFor (account: ReviewerRecord, { notices, now }: KeyWarnings): KeyWarning[] {
  const at = now()
  const role = accountRole(account)
  let soon: ExpiringForce[] = []
  if (role === 'admin') soon = notices.expiring(at)
  else if (role === 'reviewer' && account.force !== null) {
    const expires = notices.forForce(account.force, at)
    if (expires !== undefined) soon = [{ force: account.force, expires }]
  }
  const today = utcDate(at)
  return soon.map((entry) => ({ ...entry, expired: entry.expires < today }))
}
