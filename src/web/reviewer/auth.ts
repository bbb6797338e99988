/**
 * The reviewer's session: a random id in the `candour_review` cookie (scoped
 * to /review), the reviewer actor in server memory: the account's username,
 * random id and generation at login. Every workspace route gets the session
 * through `currentReviewer` or `requireReviewer` and hands its actor to a use
 * case, which reads the account afresh and refuses with SESSION_ENDED when it
 * was removed, reset or replaced since login (domain/actors.ts);
 * `endedSessions` (mounted in app.ts) then ends the session and sends the
 * browser to the login page. Every form's CSRF token is checked with
 * `checkCsrf`. Sessions end after 15 minutes idle and 8 hours after login.
 */
import type { Context, Middleware } from 'koa'
import type { ReviewerActor } from '../../domain/actors.js'
import { findForce } from '../../domain/forces.js'
import type { Viewer } from '../../domain/viewer.js'
import { CandourError, isCandourError } from '../../errors.js'
import { clearedCookie, readHandle, sessionCookie } from '../cookies.js'
import { csrfMatches, SessionStore, type Session } from '../sessions.js'

/** What the session holds: the account as it logged in, and whether it is a call handler's (issue 11). */
export interface ReviewerSessionData {
  readonly actor: ReviewerActor
  /** A call handler: the phone intake pages only; every reviewer and administrator page answers 404 (the use cases refuse them too). */
  readonly callHandler: boolean
}

/** The cookie that carries the reviewer's session id, and nothing else. */
export const REVIEWER_COOKIE = 'candour_review'

/** The cookie's path: the workspace only. */
export const REVIEWER_COOKIE_PATH = '/review'

/** A call handler's cookie path: the phone intake pages only, so it never travels with reviewers' pages. */
export const CALL_HANDLER_COOKIE_PATH = '/intake'

/** Fifteen minutes idle ends a reviewer's session. */
export const REVIEWER_IDLE_MS = 15 * 60 * 1000

/** Eight hours after login a reviewer's session ends, however busy (a working day). */
export const REVIEWER_LIFETIME_MS = 8 * 60 * 60 * 1000

/** Live reviewer sessions. */
export type ReviewerSessions = SessionStore<ReviewerSessionData>

/** A store of reviewer sessions, capped (reviewers are few; the cap bounds memory, not them). */
export function reviewerSessionsStore (options: { idleMs?: number; lifetimeMs?: number; max?: number; now?: () => number } = {}): ReviewerSessions {
  return new SessionStore<ReviewerSessionData>({
    idleMs: options.idleMs ?? REVIEWER_IDLE_MS,
    lifetimeMs: options.lifetimeMs ?? REVIEWER_LIFETIME_MS,
    max: options.max ?? 1000,
    ...(options.now === undefined ? {} : { now: options.now }),
  })
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
  // A call handler reaches no inbox, report, bundle or audit page: they do not exist for them.
  if (session !== undefined && session.data.callHandler) throw new CandourError('NOT_FOUND', 'not found')
  if (session !== undefined) return session
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new CandourError('CSRF_INVALID', 'no reviewer session')
  toLogin(ctx)
  return undefined
}

function toLogin (ctx: Context): void {
  ctx.status = 303
  ctx.redirect('/review/login?session=ended')
}

/** Throws CSRF_INVALID unless `submitted` is the session's token (compared in constant time). */
export function checkCsrf (session: Session<unknown> | undefined, submitted: string | undefined): void {
  if (session === undefined || !csrfMatches(session, submitted)) throw new CandourError('CSRF_INVALID', 'form token missing or wrong')
}

/** What every workspace page gets for its header and its key expiry banner (see templates/reviewer/base.njk). */
export interface ReviewerPageContext {
  readonly reviewerSession: {
    readonly csrf: string
    readonly username: string
    readonly forceName: string | null
    readonly admin: boolean
    readonly callHandler: boolean
    /** Unit keys expiring soon that the viewer is told of (issue 14): a reviewer's own unit's, every unit's for an administrator. */
    readonly keyWarnings: ReadonlyArray<{ readonly forceName: string; readonly expires: string; readonly expired: boolean }>
  }
}

const forceName = (force: string): string => findForce(force)?.name ?? force

/** What every workspace page gets for its header (see templates/reviewer/base.njk). */
export function reviewerContext (session: Session<unknown>, viewer: Viewer): ReviewerPageContext {
  const { username, force, admin } = viewer
  const keyWarnings = (viewer.keyWarnings ?? []).map((warning) => ({ forceName: forceName(warning.force), expires: warning.expires, expired: warning.expired }))
  return { reviewerSession: { csrf: session.csrf, username, forceName: force === null ? null : forceName(force), admin, callHandler: viewer.callHandler === true, keyWarnings } }
}

/** Sets the session cookie: no Expires or Max-Age, so it ends with the browser. A call handler's is scoped to the intake pages. */
export function setReviewerCookie (ctx: Context, id: string, secure: boolean, path: string = REVIEWER_COOKIE_PATH): void {
  ctx.append('Set-Cookie', sessionCookie(REVIEWER_COOKIE, id, { path, secure }))
}

/** Removes the session cookie (of `path`). */
export function clearReviewerCookie (ctx: Context, secure: boolean, path: string = REVIEWER_COOKIE_PATH): void {
  ctx.append('Set-Cookie', clearedCookie(REVIEWER_COOKIE, { path, secure }))
}

/**
 * When a use case refuses a session with SESSION_ENDED (the account was
 * removed, reset or replaced since login), ends that session, clears the
 * cookie and sends the browser to the login page, whatever the method:
 * nothing was done.
 */
export function endedSessions (sessions: ReviewerSessions, secure: boolean): Middleware {
  return async (ctx, next) => {
    try {
      await next()
    } catch (err) {
      if (!isCandourError(err, 'SESSION_ENDED')) throw err
      const id = readHandle(ctx.get('Cookie'), REVIEWER_COOKIE)
      if (id !== undefined) sessions.end(id)
      // Whatever the handler had started to answer is replaced.
      ctx.body = null
      clearReviewerCookie(ctx, secure)
      clearReviewerCookie(ctx, secure, CALL_HANDLER_COOKIE_PATH)
      // A form body may be left unread: close once the answer is sent.
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') ctx.set('Connection', 'close')
      toLogin(ctx)
    }
  }
}
