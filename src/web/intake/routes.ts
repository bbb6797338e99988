/**
 * The phone line in the workspace (issue 11), for call handlers only: the
 * intake form (the online form's questions and field names, worded for a
 * handler, no attachments), the caller's codename shown once, and a returning
 * caller's view for one call. Anyone else signed in to the workspace gets 404
 * here, as a call handler does on every reviewer page. Handlers translate
 * HTTP into the use cases of domain/phone-line.ts, which check the account
 * and write the audit themselves.
 */
import type Router from '@koa/router'
import type { Context } from 'koa'
import type { ReviewerActor } from '../../domain/actors.js'
import type { Viewer } from '../../domain/workspace.js'
import { ANSWER_FIELDS, type AnswerField, type RawAnswers } from '../../domain/report-answers.js'
import type { ReporterIdentity } from '../../domain/reporters.js'
import { CandourError } from '../../errors.js'
import { ReceiptBox } from '../codename-receipts.js'
import { clearedCookie, readHandle, sessionCookie } from '../cookies.js'
import type { WebDeps } from '../deps.js'
import { readMultipart } from '../multipart.js'
import type { FieldError } from '../render.js'
import { formErrors } from '../reporter/form-errors.js'
import { formLimits, multipartLimits } from '../reporter/limits.js'
import { drain } from '../reporter/routes.js'
import { strictRouter } from '../router.js'
import type { Session } from '../sessions.js'
import { readUrlencoded } from '../urlencoded.js'
import { CALL_HANDLER_COOKIE_PATH, checkCsrf, clearReviewerCookie, currentReviewer, reviewerContext, type ReviewerSessionData, type ReviewerSessions } from '../reviewer/auth.js'
import { CallerViews } from './caller-views.js'

const FORM_BYTES = 8 * 1024
const RECEIPT_COOKIE = 'candour_intake_receipt'
const RECEIPT_PATH = '/intake/sent'
const FIELDS = new Set<string>(ANSWER_FIELDS)
const HOME_NOTICES = new Set(['call-ended', 'report-sent'])
const CALLER_NOTICES = new Set(['further-sent', 'reply-deleted'])

/** A call handler's request: the session, the actor it holds, and the account as it is now (for the header). */
interface Handler {
  readonly session: Session<ReviewerSessionData>
  readonly actor: ReviewerActor
  readonly viewer: Viewer
}

/** Builds the router of /intake/... */
export function intakeRoutes (deps: WebDeps, sessions: ReviewerSessions): Router {
  const router = strictRouter()
  const { config, forces } = deps
  const { phone, accounts } = deps.services
  const limits = formLimits(config)
  const receipts = new ReceiptBox()
  const calls = new CallerViews({
    ...(deps.reviewer?.callIdleMs === undefined ? {} : { idleMs: deps.reviewer.callIdleMs }),
    ...(deps.reviewer?.sessionClock === undefined ? {} : { now: deps.reviewer.sessionClock }),
  })
  const receiptCookie = { path: RECEIPT_PATH, secure: config.cookieSecure }

  // The handler's session and account, or undefined after answering. Anyone signed in who is not a
  // call handler gets 404: these pages do not exist for them (the use cases refuse them as well).
  // Without a session, a GET goes to the login page and anything else fails as a form without a
  // valid token; an account removed or reset since login ends the session (SESSION_ENDED).
  const handler = async (ctx: Context): Promise<Handler | undefined> => {
    const session = currentReviewer(ctx, sessions)
    if (session !== undefined && !session.data.callHandler) throw new CandourError('NOT_FOUND', 'not found')
    if (session !== undefined) return { session, actor: session.data.actor, viewer: await phone.viewer(session.data.actor) }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new CandourError('CSRF_INVALID', 'no call handler session')
    ctx.status = 303
    ctx.redirect('/review/login?session=ended')
    return undefined
  }

  const html = (ctx: Context, who: Handler, template: string, context: Record<string, unknown>, status = 200): void => {
    ctx.status = status
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render(template, { ...reviewerContext(who.session, who.viewer), ...context })
  }

  const redirect = (ctx: Context, location: string): void => {
    ctx.status = 303
    ctx.redirect(location)
  }

  const notice = (ctx: Context, allowed: ReadonlySet<string>): Record<string, string> => {
    const done = ctx.query.done
    return typeof done === 'string' && allowed.has(done) ? { notice: done } : {}
  }

  // The open call of this session; without one (ended, idle, never opened) the handler is sent,
  // having changed nothing, to ask for the codename again.
  const caller = (ctx: Context, session: Session<ReviewerSessionData>): ReporterIdentity | undefined => {
    const identity = calls.get(session.id)
    if (identity === undefined) redirect(ctx, '/intake/caller?call=ended')
    return identity
  }

  const intakeForm = (ctx: Context, who: Handler, context: { values: RawAnswers; errors: FieldError[]; busy?: boolean }, status = 200): void => {
    html(ctx, who, 'intake/report-form.njk', { forces: forces.list(), limits, ...context }, status)
  }

  // Leaving the call for any other intake page ends it.
  router.get('/intake/', async (ctx) => {
    const who = await handler(ctx)
    if (who === undefined) return
    calls.end(who.session.id)
    html(ctx, who, 'intake/home.njk', notice(ctx, HOME_NOTICES))
  })

  router.get('/intake/report', async (ctx) => {
    const who = await handler(ctx)
    if (who === undefined) return
    calls.end(who.session.id)
    intakeForm(ctx, who, { values: {}, errors: [] })
  })

  router.post('/intake/report', async (ctx) => {
    const who = (await handler(ctx))!
    calls.end(who.session.id)
    const raw: Record<string, string> = {}
    let csrf: string | undefined
    let truncated = false
    // No attachments by phone: the form has no file field, and any file part is read and dropped.
    await readMultipart(ctx.req, { ...multipartLimits(config), maxFiles: 0, maxFileBytes: 0 }, {
      field (name, value, wasTruncated) {
        if (name === 'csrf') { csrf ??= value; return }
        if (!FIELDS.has(name) || Object.hasOwn(raw, name)) return
        raw[name] = value
        if (wasTruncated) truncated = true
      },
      async file (_name, _filename, stream) { await drain(stream) },
    })
    checkCsrf(who.session, csrf)
    const outcome = await phone.takeReport(who.actor, raw as RawAnswers, { truncated })
    // Nothing was stored either way: the form comes back with everything typed during the call. Busy is
    // a 503 like the error page, but without that page's Connection: close, as the body was read in full.
    if (!outcome.ok && outcome.busy) {
      ctx.set('Retry-After', '60')
      intakeForm(ctx, who, { values: pick(raw as RawAnswers), errors: [], busy: true }, 503)
      return
    }
    if (!outcome.ok) {
      intakeForm(ctx, who, { values: pick(raw as RawAnswers), errors: formErrors(outcome.problems, limits) }, 400)
      return
    }
    const handle = receipts.put({ codename: outcome.codename, forceName: forces.name(outcome.force), urgent: outcome.urgent, triage: outcome.triage, owner: who.session.id })
    // Scoped to the one page that reads it; it holds a random handle, never the codename.
    ctx.set('Set-Cookie', sessionCookie(RECEIPT_COOKIE, handle, receiptCookie))
    redirect(ctx, RECEIPT_PATH)
  })

  // Shown once: the receipt is taken out of memory as the page is made, and only for the handler who took the call.
  router.get(RECEIPT_PATH, async (ctx) => {
    const who = await handler(ctx)
    if (who === undefined) return
    const handle = readHandle(ctx.get('Cookie'), RECEIPT_COOKIE)
    const receipt = handle === undefined ? undefined : receipts.take(handle)
    ctx.append('Set-Cookie', clearedCookie(RECEIPT_COOKIE, receiptCookie))
    if (receipt === undefined || receipt.owner !== who.session.id) {
      html(ctx, who, 'reviewer/error.njk', { status: 404, titleKey: 'errors.page.intakeReceiptGone.title', bodyKey: 'errors.page.intakeReceiptGone.body' }, 404)
      return
    }
    html(ctx, who, 'intake/codename.njk', { codename: receipt.codename, forceName: receipt.forceName, urgent: receipt.urgent, triage: receipt.triage === true })
  })

  router.get('/intake/caller', async (ctx) => {
    const who = await handler(ctx)
    if (who === undefined) return
    calls.end(who.session.id)
    html(ctx, who, 'intake/caller-login.njk', { errors: [], ...(ctx.query.call === 'ended' ? { notice: 'call-ended' } : {}) })
  })

  router.post('/intake/caller', async (ctx) => {
    const who = (await handler(ctx))!
    const form = await readUrlencoded(ctx.req, FORM_BYTES)
    checkCsrf(who.session, form.get('csrf') ?? undefined)
    calls.end(who.session.id)
    const outcome = await phone.openCaller(who.actor, form.get('codename') ?? '')
    if (!outcome.ok) {
      const key = { missing: 'errors.intake.codenameMissing', invalid: 'errors.intake.codenameInvalid', 'not-recognised': 'errors.intake.notRecognised' }[outcome.reason]
      html(ctx, who, 'intake/caller-login.njk', { errors: [{ field: 'codename', key }] }, 400)
      return
    }
    calls.open(who.session.id, outcome.identity)
    redirect(ctx, '/intake/caller/reports')
  })

  router.get('/intake/caller/reports', async (ctx) => {
    const who = await handler(ctx)
    if (who === undefined) return
    const identity = caller(ctx, who.session)
    if (identity === undefined) return
    const reports = await phone.callerReports(who.actor, identity)
    html(ctx, who, 'intake/caller-reports.njk', { reports, ...notice(ctx, CALLER_NOTICES) })
  })

  router.get('/intake/caller/further', async (ctx) => {
    const who = await handler(ctx)
    if (who === undefined) return
    const identity = caller(ctx, who.session)
    if (identity === undefined) return
    const report = await phone.callerReport(who.actor, identity, typeof ctx.query.report === 'string' ? ctx.query.report : '')
    html(ctx, who, 'intake/caller-further.njk', { report, values: {}, errors: [], limits })
  })

  router.post('/intake/caller/further', async (ctx) => {
    const who = (await handler(ctx))!
    // A message of maxMessageChars characters, percent-encoded (up to 12 bytes a character), with the rest of the form.
    const form = await readUrlencoded(ctx.req, config.maxMessageChars * 12 + FORM_BYTES)
    checkCsrf(who.session, form.get('csrf') ?? undefined)
    const identity = caller(ctx, who.session)
    if (identity === undefined) return
    const reportId = form.get('report') ?? ''
    const message = form.get('message') ?? ''
    const outcome = await phone.addCallerInformation(who.actor, identity, reportId, message)
    if (!outcome.ok) {
      const report = await phone.callerReport(who.actor, identity, reportId)
      const key = outcome.problem === 'missing' ? 'errors.intake.furtherMissing' : 'errors.further.messageTooLong'
      html(ctx, who, 'intake/caller-further.njk', { report, values: { message }, errors: [{ field: 'message', key, params: { max: config.maxMessageChars } }], limits }, 400)
      return
    }
    redirect(ctx, '/intake/caller/reports?done=further-sent')
  })

  router.post('/intake/caller/replies/delete', async (ctx) => {
    const who = (await handler(ctx))!
    const form = await readUrlencoded(ctx.req, FORM_BYTES)
    checkCsrf(who.session, form.get('csrf') ?? undefined)
    const identity = caller(ctx, who.session)
    if (identity === undefined) return
    await phone.deleteCallerReply(who.actor, identity, form.get('report') ?? '', form.get('reply') ?? '')
    redirect(ctx, '/intake/caller/reports?done=reply-deleted')
  })

  router.post('/intake/caller/end', async (ctx) => {
    const who = (await handler(ctx))!
    const form = await readUrlencoded(ctx.req, FORM_BYTES)
    checkCsrf(who.session, form.get('csrf') ?? undefined)
    calls.end(who.session.id)
    redirect(ctx, '/intake/?done=call-ended')
  })

  router.post('/intake/logout', async (ctx) => {
    const form = await readUrlencoded(ctx.req, FORM_BYTES)
    const session = currentReviewer(ctx, sessions)
    if (session !== undefined) {
      checkCsrf(session, form.get('csrf') ?? undefined)
      calls.end(session.id)
      sessions.end(session.id)
      await accounts.logout(session.data.actor)
    }
    clearReviewerCookie(ctx, config.cookieSecure, CALL_HANDLER_COOKIE_PATH)
    redirect(ctx, '/review/login?done=logged-out')
  })

  return router
}

// Only the text answers are echoed back into the form; nothing else a client sent.
function pick (values: RawAnswers): RawAnswers {
  const out: RawAnswers = {}
  for (const field of ANSWER_FIELDS) if (values[field] !== undefined) out[field as AnswerField] = values[field]
  return out
}
