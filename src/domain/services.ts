/**
 * The services one running process offers its entry points, built once in
 * service.ts (issue 9): the web layer is handed this and nothing else of the
 * store, and reaches it only through use cases.
 */
import type { PhoneLine } from './phone-line.js'
import type { ReviewerLogin } from './reviewer-login.js'
import type { ReviewerAdmin } from './reviewer-admin.js'
import type { SubmissionDeps } from './submissions.js'
import type { Workspace } from './workspace.js'

/** What the web layer is given to act with. */
export interface Services {
  /** Reporters: new reports, codename logins, further information, replies. */
  readonly reporting: SubmissionDeps
  /** The reviewer workspace's use cases (their viewers carry the unit key warnings, issue 14). */
  readonly workspace: Workspace
  /** Reviewer accounts and the audit log (with the same key warnings on the audit page). */
  readonly accounts: ReviewerAdmin
  /** Checking reviewer logins (one per process: it holds the per-account locks). */
  readonly reviewerLogin: ReviewerLogin
  /** The phone line's use cases: call handlers' intake and returning callers (issue 11). */
  readonly phone: PhoneLine
}
