/**
 * The reviewer workspace's account pages: log in with username, password and
 * a TOTP code; log out; and, for administrators, the audit log. Every failed
 * login gets the one message "username, password or code not correct",
 * whichever part was wrong and also while the account is locked, so the page
 * tells nothing about which accounts exist or are locked.
 */
import type Router from '@koa/router'
import { strictRouter } from '../router.js'
import type { Context } from 'koa'
import { actorOf } from '../../domain/actors.js'
import { AUDIT_ACTIONS } from '../../domain/audit.js'
import { CandourError } from '../../errors.js'
import type { WebDeps } from '../deps.js'
import type { FieldError } from '../render.js'
import { readUrlencoded } from '../urlencoded.js'
import { accountRole } from '../../domain/reviewers.js'
import { CALL_HANDLER_COOKIE_PATH, REVIEWER_COOKIE_PATH, checkCsrf, clearReviewerCookie, currentReviewer, requireReviewer, reviewerContext, setReviewerCookie, type ReviewerSessions } from './auth.js'

const FORM_BYTES = 4 * 1024
const AUDIT_PAGE = 50

/** One line of the audit page. */
interface AuditRow { seq: number; date?: string; actor: string; action: string; report?: string; detail?: string }

// An entry as the page shows it. A tampered entry may hold anything: what is not of the
// expected shape is shown as unreadable rather than breaking the page (verification says why).
function auditRow (entry: { seq: number; date?: unknown; actor?: unknown; action?: unknown; report?: unknown; detail?: unknown }): AuditRow {
  const text = (value: unknown): string | undefined => typeof value === 'string' && value.length <= 64 ? value : undefined
  const date = typeof entry.date === 'string' && /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(entry.date) ? entry.date : undefined
  return {
    seq: entry.seq,
    ...(date === undefined ? {} : { date }),
    actor: text(entry.actor) ?? '?',
    action: (AUDIT_ACTIONS as readonly unknown[]).includes(entry.action) ? entry.action as string : 'unknown',
    ...(text(entry.report) === undefined ? {} : { report: text(entry.report)! }),
    ...(text(entry.detail) === undefined ? {} : { detail: text(entry.detail)! }),
  }
}

/** Builds the router of /review/login, /review/logout and /review/audit. */
export function reviewerAccountRoutes (deps: WebDeps, sessions: ReviewerSessions): Router {
  const router = strictRouter()
  const { config } = deps
  const { reviewerLogin, accounts } = deps.services

  const html = (ctx: Context, template: string, context: Record<string, unknown>): void => {
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render(template, context)
  }

  const loginForm = (ctx: Context, context: { errors: FieldError[]; username?: string; notice?: string }, status = 200): void => {
    ctx.status = status
    html(ctx, 'reviewer/login.njk', context)
  }

  router.get('/review/login', (ctx) => {
    const notice = ctx.query.session === 'ended' ? 'session-ended' : ctx.query.done === 'logged-out' ? 'logged-out' : undefined
    loginForm(ctx, { errors: [], ...(notice === undefined ? {} : { notice }) })
  })

  router.post('/review/login', async (ctx) => {
    const form = await readUrlencoded(ctx.req, FORM_BYTES)
    const username = (form.get('username') ?? '').trim().toLowerCase()
    const password = form.get('password') ?? ''
    const code = (form.get('code') ?? '').replace(/\s+/g, '')
    const errors: FieldError[] = []
    if (username === '') errors.push({ field: 'username', key: 'errors.review.usernameMissing' })
    if (password.trim() === '') errors.push({ field: 'password', key: 'errors.review.passwordMissing' })
    if (code === '') errors.push({ field: 'code', key: 'errors.review.codeMissing' })
    // Only the username is put back: the password and code are secrets and the page may be cached.
    const shown = username.length <= 64 ? username : ''
    if (errors.length > 0) { loginForm(ctx, { errors, username: shown }, 400); return }
    const outcome = await reviewerLogin.attempt(username, password, code)
    if (!outcome.ok) {
      loginForm(ctx, { errors: [{ field: 'username', key: 'errors.review.loginFailed' }], username: shown }, 400)
      return
    }
    // A fresh session id at every login; one presented with this request is ended. The session keeps the account's id and generation.
    const callHandler = accountRole(outcome.account) === 'call-handler'
    const session = sessions.create({ actor: actorOf(outcome.account), callHandler }, currentReviewer(ctx, sessions))
    // A call handler lands on the phone intake, with a cookie that only the intake pages receive.
    setReviewerCookie(ctx, session.id, config.cookieSecure, callHandler ? CALL_HANDLER_COOKIE_PATH : REVIEWER_COOKIE_PATH)
    ctx.status = 303
    ctx.redirect(callHandler ? '/intake/' : '/review/')
  })

  router.post('/review/logout', async (ctx) => {
    const form = await readUrlencoded(ctx.req, FORM_BYTES)
    const session = currentReviewer(ctx, sessions)
    if (session !== undefined) {
      checkCsrf(session, form.get('csrf') ?? undefined)
      sessions.end(session.id)
      await accounts.logout(session.data.actor)
    }
    clearReviewerCookie(ctx, config.cookieSecure)
    ctx.status = 303
    ctx.redirect('/review/login?done=logged-out')
  })

  router.get('/review/audit', async (ctx) => {
    const session = requireReviewer(ctx, sessions)
    if (session === undefined) return
    const raw = ctx.query.from
    if (raw !== undefined && (typeof raw !== 'string' || !/^\d{1,12}$/.test(raw))) throw new CandourError('NOT_FOUND', 'not found')
    const page = await accounts.auditPage(session.data.actor, { size: AUDIT_PAGE, ...(raw === undefined ? {} : { from: Number(raw) }) })
    const { newest, from } = page
    const entries = page.entries.map(auditRow)
    const oldest = entries.at(-1)?.seq
    html(ctx, 'reviewer/audit.njk', {
      ...reviewerContext(session, page.viewer),
      verification: page.verification,
      entries,
      ...(from < newest ? { newerHref: `/review/audit?from=${Math.min(newest, from + AUDIT_PAGE)}` } : {}),
      ...(oldest !== undefined && oldest > 1 ? { olderHref: `/review/audit?from=${oldest - 1}` } : {}),
    })
  })

  return router
}
