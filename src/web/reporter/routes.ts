/**
 * The reporter's first pages: landing page, report form, submission, codename
 * page. Handlers translate HTTP into domain calls and back; rules live in domain/.
 */
import type Router from '@koa/router'
import { strictRouter } from '../router.js'
import type { Context } from 'koa'
import { ANSWER_FIELDS, checkAnswers, type AnswerField, type RawAnswers } from '../../domain/report-answers.js'
import { utcDate } from '../../domain/dates.js'
import { TRIAGE_ID } from '../../domain/forces.js'
import { Submission } from '../../domain/submissions.js'
import { CandourError, isCandourError } from '../../errors.js'
import type { ReceiptBox } from '../codename-receipts.js'
import { clearedCookie, readHandle, sessionCookie } from '../cookies.js'
import type { WebDeps } from '../deps.js'
import { readMultipart } from '../multipart.js'
import { localizedPage } from '../page-cache.js'
import { localRedirect, pageContext, requestLocale } from '../middleware/locale.js'
import { localePath } from '../i18n.js'
import { csrfMatches } from '../sessions.js'
import { refuseFileIfLow, uploadTicket } from '../upload-gate.js'
import { busyAnswer, readRefusedForm } from './busy-form.js'
import { formErrors } from './form-errors.js'
import { formLimits, multipartLimits } from './limits.js'
import { currentReporter, sessionContext, type ReporterSessions } from './session.js'

const RECEIPT_COOKIE = 'candour_receipt'
const RECEIPT_PATH = '/report/sent'
const FIELDS = new Set<string>(ANSWER_FIELDS)

/** Reads a file stream to its end, discarding it. */
export async function drain (stream: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of stream) { /* discard */ }
}

/** Builds the router of the landing page and the report form. */
export function reporterRoutes (deps: WebDeps, receipts: ReceiptBox, sessions: ReporterSessions): Router {
  const router = strictRouter()
  const { config, forces } = deps
  const limits = formLimits(config)
  // The receipt page's own path in each language: the cookie goes to that one page only.
  const cookie = (ctx: Context): { path: string; secure: boolean } => ({ path: localePath(requestLocale(ctx), RECEIPT_PATH), secure: config.cookieSecure })

  const html = (ctx: Context, template: string, context: Record<string, unknown>): void => {
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render(template, { ...pageContext(ctx), ...sessionContext(currentReporter(ctx, sessions)), ...context })
  }

  // Without a session these two pages are the same for everyone: rendered once per language.
  const landing = localizedPage((ctx) => deps.render('reporter/start.njk', { ...pageContext(ctx), pagePath: '/', ...sessionContext(undefined) }), () => undefined, requestLocale)
  const emptyForm = (): Record<string, unknown> => ({ forces: forces.list(), values: {}, errors: [], filesDropped: false, limits })
  // Rendered again only when a force's availability changes (a key expiring while the server runs).
  const form = localizedPage((ctx) => deps.render('reporter/report-form.njk', { ...pageContext(ctx), pagePath: '/report', ...sessionContext(undefined), ...emptyForm() }), () => forces.list(), requestLocale)

  router.get('/', (ctx) => {
    if (currentReporter(ctx, sessions) === undefined) landing.send(ctx)
    else html(ctx, 'reporter/start.njk', {})
  })

  router.get('/report', (ctx) => {
    if (currentReporter(ctx, sessions) === undefined) form.send(ctx)
    else html(ctx, 'reporter/report-form.njk', emptyForm())
  })

  // The service cannot take this report now: the text answers come back in the form, files are never read.
  const busy = async (ctx: Context): Promise<void> => {
    const { values, csrf } = await readRefusedForm(ctx, config, FIELDS)
    const session = currentReporter(ctx, sessions)
    busyAnswer(ctx)
    html(ctx, 'reporter/report-form.njk', { forces: forces.list(), values: pick(values), errors: [], filesDropped: false, busy: true, sessionEnded: session === undefined && csrf !== undefined, limits, ...chosenForce(values.force) })
  }
  const chosenForce = (force: string | undefined): Record<string, unknown> =>
    force !== undefined && forces.isKnown(force) ? { forceName: forces.name(force), complaintsBody: forces.complaintsBody(force) } : {}

  router.post('/report', deps.uploads.middleware(busy), async (ctx) => {
    const session = currentReporter(ctx, sessions)
    // A new reporter is told BUSY now, before uploading anything, or never: once admitted, the place for their
    // codename is theirs, and the upload gate's slot this request holds bounds how many such places exist.
    let admission
    try {
      admission = session === undefined ? deps.services.reporting.reserve.admit() : undefined
    } catch (err) {
      if (!isCandourError(err, 'BUSY')) throw err
      await busy(ctx)
      return
    }
    const submission = new Submission(deps.services.reporting)
    const raw: Record<string, string> = {}
    let csrf: string | undefined
    let filesDropped = false
    let truncated = false
    // A logged-in reporter's report goes under their codename, so their form carries the token first.
    const authorised = (): boolean => session === undefined ? csrf === undefined : csrfMatches(session, csrf)
    // A token but no session: the reporter was logged out (idle, or the session's lifetime) while writing.
    const sessionEnded = (): boolean => session === undefined && csrf !== undefined
    try {
      await readMultipart(ctx.req, multipartLimits(config), {
        field (name, value, wasTruncated) {
          if (name === 'csrf' && csrf === undefined) { csrf = value; return }
          if (!FIELDS.has(name) || Object.hasOwn(raw, name)) return
          raw[name] = value
          if (wasTruncated) truncated = true
        },
        snapshot: () => ({ force: raw.force ?? '', authorised: authorised(), sessionEnded: sessionEnded() }),
        async file (name, filename, stream, before) {
          // Browsers send an empty, nameless part when no file was chosen.
          if (name !== 'attachments' || filename === '') { await drain(stream); return }
          // Nothing is kept for a form whose session ended; the page asks for the files again.
          if (before.sessionEnded) { await drain(stream); return }
          refuseFileIfLow(uploadTicket(ctx.state))
          if (!before.authorised) throw new CandourError('CSRF_INVALID', 'form token missing or wrong')
          const force = before.force
          if (!forces.isAvailable(force)) {
            // Nothing can be encrypted without the force's keys: drop the file; the form says why.
            filesDropped = true
            await drain(stream)
            return
          }
          await submission.addAttachment(force, filename, stream)
        },
      })
      if (!sessionEnded() && !authorised()) throw new CandourError('CSRF_INVALID', 'form token missing or wrong')
    } catch (err) {
      await submission.abandon()
      throw err
    }
    const values = raw as RawAnswers
    if (sessionEnded()) {
      // Issue 9: the text answers come back, so the reporter loses nothing the form can keep.
      ctx.status = 400
      html(ctx, 'reporter/report-form.njk', { forces: forces.list(), values: pick(values), errors: [], filesDropped: false, sessionEnded: true, limits })
      return
    }
    const checked = checkAnswers(values, forces, config, utcDate())
    const problems = checked.problems.slice()
    // A file that came before a usable force could not be encrypted: say so, never store the report without it.
    if (filesDropped && !problems.some((p) => p.field === 'force')) problems.push({ field: 'attachments', code: 'dropped' })
    if (truncated && !problems.some((p) => p.field === 'message')) problems.push({ field: 'message', code: 'too-long' })
    if (checked.answers === undefined || problems.length > 0) {
      filesDropped ||= submission.attachmentCount > 0
      await submission.abandon()
      ctx.status = 400
      html(ctx, 'reporter/report-form.njk', { forces: forces.list(), values: pick(values), errors: formErrors(problems, limits), filesDropped, limits, ...chosenForce(values.force) })
      return
    }
    let receipt
    try {
      receipt = await submission.commit(checked.answers, session === undefined ? { admission } : { reporterId: session.data.reporterId })
    } catch (err) {
      await submission.abandon()
      throw err
    }
    const forceName = forces.name(checked.answers.force)
    const triage = checked.answers.force === TRIAGE_ID
    // The triage unit is no force: with no force known, the page names all three complaints bodies.
    const complaintsBody = triage ? undefined : forces.complaintsBody(checked.answers.force)
    if (receipt.codename === undefined) {
      html(ctx, 'reporter/report-added.njk', { forceName, complaintsBody, urgent: receipt.urgent, triage })
      return
    }
    const handle = receipts.put({ codename: receipt.codename, forceName, complaintsBody, urgent: receipt.urgent, triage })
    // Session cookie (no Expires/Max-Age), scoped to the one page that reads it; it holds a handle, never the codename.
    ctx.set('Set-Cookie', sessionCookie(RECEIPT_COOKIE, handle, cookie(ctx)))
    ctx.status = 303
    localRedirect(ctx, RECEIPT_PATH)
  })

  router.get(RECEIPT_PATH, (ctx) => {
    const handle = readHandle(ctx.get('Cookie'), RECEIPT_COOKIE)
    const receipt = handle === undefined ? undefined : receipts.take(handle)
    ctx.set('Set-Cookie', clearedCookie(RECEIPT_COOKIE, cookie(ctx)))
    if (receipt === undefined) {
      ctx.status = 404
      html(ctx, 'errors/error.njk', { status: 404, titleKey: 'errors.page.receiptGone.title', bodyKey: 'errors.page.receiptGone.body' })
      return
    }
    // No link to the other language here: the codename can be shown once only, and following it would lose it.
    html(ctx, 'reporter/codename.njk', { ...receipt, pagePath: null })
  })

  return router
}

// Only the text answers are echoed back into the form; nothing else a client sent.
function pick (values: Readonly<Record<string, string>>): RawAnswers {
  const out: RawAnswers = {}
  for (const field of ANSWER_FIELDS) if (values[field] !== undefined) out[field as AnswerField] = values[field]
  return out
}
