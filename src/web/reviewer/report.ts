/**
 * One report in the reviewer workspace: its page, the zip download for the
 * offline machine, the reply form, triage and deletion. A reviewer reaches
 * only their own force's reports; any other id answers 404, exactly like one
 * that does not exist. An administrator sees the page's metadata and nothing
 * else: no download, no form (each answers 404 for them). Every form carries
 * the session's CSRF token, and every action is appended to the audit log.
 */
import type Router from '@koa/router'
import { strictRouter } from '../router.js'
import type { Context } from 'koa'
import { isStatus } from '../../domain/inbox.js'
import { MAX_REPLY_CHARS } from '../../domain/replies.js'
import { isOutcome } from '../../domain/triage.js'
import { CandourError, isCandourError } from '../../errors.js'
import type { WebDeps } from '../deps.js'
import type { FieldError } from '../render.js'
import type { Session } from '../sessions.js'
import { readUrlencoded } from '../urlencoded.js'
import { checkCsrf, requireReviewer, reviewerContext, type ReviewerSessionData, type ReviewerSessions } from './auth.js'
import { REPORT_NOTICES, renderReportPage } from './report-page.js'

const FORM_BYTES = 4 * 1024
// A reply of MAX_REPLY_CHARS characters, percent-encoded (up to 12 bytes a character), with the token.
const REPLY_FORM_BYTES = MAX_REPLY_CHARS * 12 + FORM_BYTES

/** Builds the router of /review/report/<id> and its download and forms. */
export function reportRoutes (deps: WebDeps, sessions: ReviewerSessions): Router {
  const router = strictRouter()
  const { workspace } = deps.services

  // A form post: the session and its form, the token checked. Which report it may touch is the use case's decision.
  const formPost = async (ctx: Context, maxBytes: number): Promise<{ session: Session<ReviewerSessionData>; form: URLSearchParams; reportId: string }> => {
    const session = requireReviewer(ctx, sessions)!
    const form = await readUrlencoded(ctx.req, maxBytes)
    checkCsrf(session, form.get('csrf') ?? undefined)
    return { session, form, reportId: ctx.params.id ?? '' }
  }

  // The page again, with a form's errors (400).
  const showAgain = async (ctx: Context, session: Session<ReviewerSessionData>, reportId: string, extras: { errors: FieldError[]; values?: Record<string, string> }): Promise<void> => {
    const { viewer, report } = await workspace.reportForForm(session.data.actor, reportId)
    renderReportPage(ctx, deps, session, viewer, report, extras, 400)
  }

  const redirect = (ctx: Context, location: string): void => {
    ctx.status = 303
    ctx.redirect(location)
  }

  router.get('/review/report/:id', async (ctx) => {
    const session = requireReviewer(ctx, sessions)
    if (session === undefined) return
    const { viewer, report, seen } = await workspace.openReport(session.data.actor, ctx.params.id ?? '')
    const done = typeof ctx.query.done === 'string' && REPORT_NOTICES.has(ctx.query.done) ? ctx.query.done : undefined
    renderReportPage(ctx, deps, session, viewer, report, { ...(seen === undefined ? {} : { seen }), ...(done === undefined ? {} : { notice: done }) })
  })

  router.get('/review/report/:id/bundle.zip', async (ctx) => {
    // A HEAD would count as a download in the audit log without being one.
    if (ctx.method !== 'GET') throw new CandourError('METHOD_NOT_ALLOWED', 'method not allowed')
    const session = requireReviewer(ctx, sessions)
    if (session === undefined) return
    const { report, zip } = await workspace.download(session.data.actor, ctx.params.id ?? '')
    ctx.type = 'application/zip'
    ctx.set('Content-Disposition', `attachment; filename="candour-${report.id}.zip"`)
    ctx.body = zip.stream
    ctx.length = zip.size
  })

  router.post('/review/report/:id/reply', async (ctx) => {
    const { session, form, reportId } = await formPost(ctx, REPLY_FORM_BYTES)
    const text = form.get('reply') ?? ''
    try {
      await workspace.reply(session.data.actor, reportId, text)
    } catch (err) {
      // Transferred while the reply was encrypted (issue 9): nothing was kept, and the report is no longer this force's.
      if (isCandourError(err, 'REPORT_MOVED')) { redirect(ctx, '/review/?done=reply-not-sent'); return }
      if (!isCandourError(err, 'VALIDATION_FAILED') || err.detail.field !== 'reply') throw err
      const empty = text.trim() === ''
      // The reply is shown again only in the page sent back; it is never stored in plain text.
      await showAgain(ctx, session, reportId, { errors: [{ field: 'reply', key: empty ? 'review.report.errors.replyMissing' : 'review.report.errors.replyTooLong', params: { max: MAX_REPLY_CHARS } }], values: { reply: empty ? '' : text } })
      return
    }
    redirect(ctx, `/review/report/${reportId}?done=reply-sent`)
  })

  router.post('/review/report/:id/status', async (ctx) => {
    const { session, form, reportId } = await formPost(ctx, FORM_BYTES)
    const status = form.get('status') ?? ''
    const outcome = form.get('outcome') ?? ''
    // Whose report it is comes first: another force's report is not found, whatever the form holds.
    await workspace.reportForForm(session.data.actor, reportId)
    if (!isStatus(status) || status === 'new') throw new CandourError('VALIDATION_FAILED', 'unknown status', { detail: { field: 'status' } })
    let errors: FieldError[] = []
    if (status === 'closed' && !isOutcome(outcome)) errors = [{ field: 'outcome', key: 'review.report.errors.outcomeMissing' }]
    else if (status !== 'closed' && outcome !== '') throw new CandourError('VALIDATION_FAILED', 'outcome given without closing', { detail: { field: 'outcome' } })
    else {
      try {
        await workspace.setStatus(session.data.actor, reportId, status, status === 'closed' && isOutcome(outcome) ? outcome : undefined)
        redirect(ctx, `/review/report/${reportId}?done=status-changed`)
        return
      } catch (err) {
        // Another reviewer moved it first: show where it stands now.
        if (!isCandourError(err, 'TRANSITION_INVALID')) throw err
        errors = [{ field: 'status', key: 'review.report.errors.statusMoved' }]
      }
    }
    await showAgain(ctx, session, reportId, { errors })
  })

  router.get('/review/report/:id/delete', async (ctx) => {
    const session = requireReviewer(ctx, sessions)
    if (session === undefined) return
    const { viewer, report } = await workspace.reportForForm(session.data.actor, ctx.params.id ?? '')
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render('reviewer/delete-confirm.njk', {
      ...reviewerContext(session, viewer),
      report: { id: report.id, received: report.received, category: report.category, items: report.items.length, replies: report.replies.length },
    })
  })

  router.post('/review/report/:id/delete', async (ctx) => {
    const { session, form, reportId } = await formPost(ctx, FORM_BYTES)
    await workspace.reportForForm(session.data.actor, reportId)
    // The confirmation page's button sends confirm=yes; anything else is not a confirmed deletion.
    if (form.get('confirm') !== 'yes') throw new CandourError('VALIDATION_FAILED', 'deletion not confirmed', { detail: { field: 'confirm' } })
    await workspace.deleteReport(session.data.actor, reportId)
    redirect(ctx, '/review/?done=deleted')
  })

  return router
}
