/**
 * The reviewer's session: a random id in the `candour_review` cookie (scoped
 * to /review), the principal in server memory. Every workspace route gets the
 * session through `currentReviewer` or `requireReviewer`, and checks the CSRF
 * token of every form with `checkCsrf`. `reviewerGuard` (mounted in app.ts
 * before the workspace routers) ends a session whose reviewer was removed or
 * had their second factor reset by the command line since it began: the
 * command line cannot reach this process's memory, so the check is made here
 * on each request of the workspace listener.
 */
import type { Context, Middleware } from 'koa'
import { findForce } from '../../domain/forces.js'
import { getReviewer } from '../../domain/reviewers.js'
import { CandourError } from '../../errors.js'
import type { Kv } from '../../store/kv.js'
import { clearedCookie, readHandle, sessionCookie } from '../cookies.js'
import { csrfMatches, SessionStore, type Session } from '../sessions.js'

/** Who is signed in to the workspace. */
export interface ReviewerPrincipal {
  readonly username: string
  /** The reviewer's force; null for an instance administrator. */
  readonly force: string | null
  readonly admin: boolean
}

/** What the session holds: the principal and the account's 2FA generation at login. */
export interface ReviewerSessionData extends ReviewerPrincipal {
  readonly generation: number
}

/** The cookie that carries the reviewer's session id, and nothing else. */
export const REVIEWER_COOKIE = 'candour_review'

/** The cookie's path: the workspace only, so it never travels with reporter pages. */
export const REVIEWER_COOKIE_PATH = '/review'

/** Fifteen minutes idle ends a reviewer's session. */
export const REVIEWER_IDLE_MS = 15 * 60 * 1000

/** Live reviewer sessions. */
export type ReviewerSessions = SessionStore<ReviewerSessionData>

/** A store of reviewer sessions, capped (reviewers are few; the cap bounds memory, not them). */
export function reviewerSessionsStore (options: { idleMs?: number; max?: number; now?: () => number } = {}): ReviewerSessions {
  return new SessionStore<ReviewerSessionData>({ idleMs: options.idleMs ?? REVIEWER_IDLE_MS, max: options.max ?? 1000, ...(options.now === undefined ? {} : { now: options.now }) })
}

/** The live reviewer session of this request, if any. */
export function currentReviewer (ctx: Context, sessions: ReviewerSessions): Session<ReviewerSessionData> | undefined {
  return sessions.get(readHandle(ctx.get('Cookie'), REVIEWER_COOKIE))
}

/**
 * The session, or undefined after answering: a GET is sent to the login page
 * (303), anything else fails with CSRF_INVALID, since a form sent without a
 * live session cannot carry a valid token.
 */
export function requireReviewer (ctx: Context, sessions: ReviewerSessions): Session<ReviewerSessionData> | undefined {
  const session = currentReviewer(ctx, sessions)
  if (session !== undefined) return session
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new CandourError('CSRF_INVALID', 'no reviewer session')
  ctx.status = 303
  ctx.redirect('/review/login?session=ended')
  return undefined
}

/** Throws CSRF_INVALID unless `submitted` is the session's token (compared in constant time). */
export function checkCsrf (session: Session<unknown> | undefined, submitted: string | undefined): void {
  if (session === undefined || !csrfMatches(session, submitted)) throw new CandourError('CSRF_INVALID', 'form token missing or wrong')
}

/** What every workspace page gets for its header (see templates/reviewer/base.njk). */
export function reviewerContext (session: Session<ReviewerPrincipal>): { reviewerSession: { csrf: string; username: string; forceName: string | null; admin: boolean } } {
  const { username, force, admin } = session.data
  return { reviewerSession: { csrf: session.csrf, username, forceName: force === null ? null : findForce(force)?.name ?? force, admin } }
}

/** Sets the session cookie: no Expires or Max-Age, so it ends with the browser. */
export function setReviewerCookie (ctx: Context, id: string, secure: boolean): void {
  ctx.append('Set-Cookie', sessionCookie(REVIEWER_COOKIE, id, { path: REVIEWER_COOKIE_PATH, secure }))
}

/** Removes the session cookie. */
export function clearReviewerCookie (ctx: Context, secure: boolean): void {
  ctx.append('Set-Cookie', clearedCookie(REVIEWER_COOKIE, { path: REVIEWER_COOKIE_PATH, secure }))
}

/**
 * Ends, before any workspace route runs, a session whose account is gone or
 * changed (removed, 2FA reset, force or admin flag different) since login.
 */
export function reviewerGuard (kv: Kv, sessions: ReviewerSessions): Middleware {
  // Mounted on the workspace's own listener, it runs for every request there, whatever the path's spelling.
  return async (ctx, next) => {
    const session = sessions.get(readHandle(ctx.get('Cookie'), REVIEWER_COOKIE))
    if (session !== undefined) {
      const account = await getReviewer(kv, session.data.username)
      if (account === undefined || account.generation !== session.data.generation ||
        account.force !== session.data.force || account.admin !== session.data.admin) sessions.end(session.id)
    }
    await next()
  }
}
