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
import { appendAudit } from '../../domain/audit.js'
import { zipBundle } from '../../domain/bundle-zip.js'
import { bundleFiles } from '../../domain/bundles.js'
import { deleteReport } from '../../domain/deletion.js'
import { isStatus } from '../../domain/inbox.js'
import { getSeen, markLooked } from '../../domain/last-looked.js'
import { MAX_REPLY_CHARS, addReply } from '../../domain/replies.js'
import { isOutcome, setStatus, statusDetail } from '../../domain/triage.js'
import { CandourError, isCandourError } from '../../errors.js'
import type { WebDeps } from '../deps.js'
import type { FieldError } from '../render.js'
import type { Session } from '../sessions.js'
import { readUrlencoded } from '../urlencoded.js'
import { checkCsrf, requireReviewer, reviewerContext, type ReviewerPrincipal, type ReviewerSessions } from './auth.js'
import { REPORT_NOTICES, ownForceReport, renderReportPage, visibleReport } from './report-page.js'

const FORM_BYTES = 4 * 1024
// A reply of MAX_REPLY_CHARS characters, percent-encoded (up to 12 bytes a character), with the token.
const REPLY_FORM_BYTES = MAX_REPLY_CHARS * 12 + FORM_BYTES

/** Builds the router of /review/report/<id> and its download and forms. */
export function reportRoutes (deps: WebDeps, sessions: ReviewerSessions): Router {
  const router = strictRouter()
  const { kv } = deps.submissionDeps

  // A form post: the session, its token checked, and the reviewer's own report (404 otherwise).
  const formPost = async (ctx: Context, maxBytes: number): Promise<{ session: Session<ReviewerPrincipal>; form: URLSearchParams; reportId: string }> => {
    const session = requireReviewer(ctx, sessions)!
    const form = await readUrlencoded(ctx.req, maxBytes)
    checkCsrf(session, form.get('csrf') ?? undefined)
    const report = await ownForceReport(deps, session.data, ctx.params.id ?? '')
    return { session, form, reportId: report.id }
  }

  const redirect = (ctx: Context, location: string): void => {
    ctx.status = 303
    ctx.redirect(location)
  }

  router.get('/review/report/:id', async (ctx) => {
    const session = requireReviewer(ctx, sessions)
    if (session === undefined) return
    const report = await visibleReport(deps, session.data, ctx.params.id ?? '')
    const done = typeof ctx.query.done === 'string' && REPORT_NOTICES.has(ctx.query.done) ? ctx.query.done : undefined
    if (session.data.admin) { renderReportPage(ctx, deps, session, report, done === undefined ? {} : { notice: done }); return }
    const seen = await getSeen(kv, session.data.username, report.id)
    await markLooked(kv, session.data.username, report, { downloaded: false })
    renderReportPage(ctx, deps, session, report, { ...(seen === undefined ? {} : { seen }), ...(done === undefined ? {} : { notice: done }) })
  })

  router.get('/review/report/:id/bundle.zip', async (ctx) => {
    // A HEAD would count as a download in the audit log without being one.
    if (ctx.method !== 'GET') throw new CandourError('METHOD_NOT_ALLOWED', 'method not allowed')
    const session = requireReviewer(ctx, sessions)
    if (session === undefined) return
    const report = await ownForceReport(deps, session.data, ctx.params.id ?? '')
    const zip = zipBundle(bundleFiles(kv, report), report.received)
    await markLooked(kv, session.data.username, report, { downloaded: true })
    await appendAudit(kv, { actor: session.data.username, action: 'download', report: report.id })
    ctx.type = 'application/zip'
    ctx.set('Content-Disposition', `attachment; filename="candour-${report.id}.zip"`)
    ctx.body = zip.stream
    ctx.length = zip.size
  })

  router.post('/review/report/:id/reply', async (ctx) => {
    const { session, form, reportId } = await formPost(ctx, REPLY_FORM_BYTES)
    const text = form.get('reply') ?? ''
    try {
      await addReply(kv, deps.submissionDeps.recipients, reportId, text)
    } catch (err) {
      if (!isCandourError(err, 'VALIDATION_FAILED')) throw err
      const empty = text.trim() === ''
      const errors: FieldError[] = [{ field: 'reply', key: empty ? 'review.report.errors.replyMissing' : 'review.report.errors.replyTooLong', params: { max: MAX_REPLY_CHARS } }]
      // The reply is shown again only in the page sent back; it is never stored in plain text.
      renderReportPage(ctx, deps, session, await ownForceReport(deps, session.data, reportId), { errors, values: { reply: empty ? '' : text } }, 400)
      return
    }
    await appendAudit(kv, { actor: session.data.username, action: 'reply', report: reportId })
    redirect(ctx, `/review/report/${reportId}?done=reply-sent`)
  })

  router.post('/review/report/:id/status', async (ctx) => {
    const { session, form, reportId } = await formPost(ctx, FORM_BYTES)
    const status = form.get('status') ?? ''
    const outcome = form.get('outcome') ?? ''
    if (!isStatus(status) || status === 'new') throw new CandourError('VALIDATION_FAILED', 'unknown status', { detail: { field: 'status' } })
    let errors: FieldError[] = []
    if (status === 'closed' && !isOutcome(outcome)) errors = [{ field: 'outcome', key: 'review.report.errors.outcomeMissing' }]
    else if (status !== 'closed' && outcome !== '') throw new CandourError('VALIDATION_FAILED', 'outcome given without closing', { detail: { field: 'outcome' } })
    else {
      try {
        const chosen = status === 'closed' && isOutcome(outcome) ? outcome : undefined
        await setStatus(kv, session.data.force!, reportId, status, chosen)
        await appendAudit(kv, { actor: session.data.username, action: 'status', report: reportId, detail: statusDetail(status, chosen) })
        redirect(ctx, `/review/report/${reportId}?done=status-changed`)
        return
      } catch (err) {
        // Another reviewer moved it first: show where it stands now.
        if (!isCandourError(err, 'TRANSITION_INVALID')) throw err
        errors = [{ field: 'status', key: 'review.report.errors.statusMoved' }]
      }
    }
    renderReportPage(ctx, deps, session, await ownForceReport(deps, session.data, reportId), { errors }, 400)
  })

  router.get('/review/report/:id/delete', async (ctx) => {
    const session = requireReviewer(ctx, sessions)
    if (session === undefined) return
    const report = await ownForceReport(deps, session.data, ctx.params.id ?? '')
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render('reviewer/delete-confirm.njk', {
      ...reviewerContext(session),
      report: { id: report.id, received: report.received, category: report.category, items: report.items.length, replies: report.replies.length },
    })
  })

  router.post('/review/report/:id/delete', async (ctx) => {
    const { session, form, reportId } = await formPost(ctx, FORM_BYTES)
    // The confirmation page's button sends confirm=yes; anything else is not a confirmed deletion.
    if (form.get('confirm') !== 'yes') throw new CandourError('VALIDATION_FAILED', 'deletion not confirmed', { detail: { field: 'confirm' } })
    await deleteReport(kv, session.data.force!, reportId)
    await appendAudit(kv, { actor: session.data.username, action: 'delete', report: reportId })
    redirect(ctx, '/review/?done=deleted')
  })

  return router
}
