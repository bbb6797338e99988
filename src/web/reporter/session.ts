/** The reporter's session: a random id in a cookie, the identity in server memory. */
import type { Context } from 'koa'
import type { ReporterIdentity } from '../../domain/reporters.js'
import { clearedCookie, readHandle, sessionCookie } from '../cookies.js'
import { SessionStore, type Session } from '../sessions.js'

/** The cookie that carries the session id, and nothing else. */
export const REPORTER_COOKIE = 'candour_session'

/** Thirty minutes idle ends a reporter's session. */
export const REPORTER_IDLE_MS = 30 * 60 * 1000

/** Two hours after login a reporter's session ends however busy it is (issue 9). */
export const REPORTER_LIFETIME_MS = 2 * 60 * 60 * 1000

/** Live reporter sessions. */
export type ReporterSessions = SessionStore<ReporterIdentity>

/** A store of reporter sessions, capped; `now` is a monotonic clock in ms (tests move it on). */
export function reporterSessions (options: { idleMs?: number; lifetimeMs?: number; max?: number; now?: () => number } = {}): ReporterSessions {
  return new SessionStore<ReporterIdentity>({
    idleMs: options.idleMs ?? REPORTER_IDLE_MS,
    lifetimeMs: options.lifetimeMs ?? REPORTER_LIFETIME_MS,
    max: options.max ?? 10_000,
    ...(options.now === undefined ? {} : { now: options.now }),
  })
}

/** The live session of this request, if any. */
export function currentReporter (ctx: Context, sessions: ReporterSessions): Session<ReporterIdentity> | undefined {
  return sessions.get(readHandle(ctx.get('Cookie'), REPORTER_COOKIE))
}

/** Sets the session cookie. */
export function setReporterCookie (ctx: Context, id: string, secure: boolean): void {
  ctx.append('Set-Cookie', sessionCookie(REPORTER_COOKIE, id, { path: '/', secure }))
}

/** Removes the session cookie. */
export function clearReporterCookie (ctx: Context, secure: boolean): void {
  ctx.append('Set-Cookie', clearedCookie(REPORTER_COOKIE, { path: '/', secure }))
}

/** What every page gets when a reporter is logged in. */
export function sessionContext (session: Session<ReporterIdentity> | undefined): { reporterSession?: { csrf: string } } {
  return session === undefined ? {} : { reporterSession: { csrf: session.csrf } }
}
