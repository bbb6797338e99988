/**
 * The returning reporter: log in with the codename, read replies, delete them,
 * send further information, log out. Every state-changing form carries the
 * session's CSRF token; any report or reply id not the reporter's own answers
 * 404, exactly like one that does not exist.
 */
import type Router from '@koa/router'
import { strictRouter } from '../router.js'
import type { Context } from 'koa'
import { FurtherInformation, ownReport } from '../../domain/further-information.js'
import { deleteReporterCopy } from '../../domain/replies.js'
import { reporterReports } from '../../domain/reporter-view.js'
import { authenticate, codenameShape } from '../../domain/reporters.js'
import { CandourError, isCandourError } from '../../errors.js'
import type { WebDeps } from '../deps.js'
import { localRedirect, pageContext } from '../middleware/locale.js'
import { readMultipart } from '../multipart.js'
import type { FieldError } from '../render.js'
import { csrfMatches, type Session } from '../sessions.js'
import { refuseFileIfLow, uploadTicket } from '../upload-gate.js'
import { readUrlencoded } from '../urlencoded.js'
import { busyAnswer, readRefusedForm } from './busy-form.js'
import { formLimits, multipartLimits } from './limits.js'
import { drain } from './routes.js'
import { clearReporterCookie, currentReporter, sessionContext, setReporterCookie, type ReporterSessions } from './session.js'
import type { ReporterIdentity } from '../../domain/reporters.js'

const FORM_BYTES = 8 * 1024
const NOTICES = new Set(['further-sent', 'reply-deleted', 'logged-in'])
// The text fields of the further-information form echoed back when it cannot be taken now.
const FURTHER_FIELDS: ReadonlySet<string> = new Set(['report', 'message'])

/** Builds the router of the returning reporter's pages. */
export function accountRoutes (deps: WebDeps, sessions: ReporterSessions): Router {
  const router = strictRouter()
  const { config } = deps
  const { kv } = deps.services.reporting
  const limits = formLimits(config)

  const html = (ctx: Context, template: string, context: Record<string, unknown>, session?: Session<ReporterIdentity>): void => {
    ctx.type = 'text/html; charset=utf-8'
    ctx.body = deps.render(template, { ...pageContext(ctx), ...sessionContext(session), ...context })
  }

  // What further.njk shows of the report the information is for.
  const reportView = (report: Awaited<ReturnType<typeof ownReport>>): Record<string, unknown> =>
    ({ id: report.id, forceName: deps.forces.name(report.force), complaintsBody: deps.forces.complaintsBody(report.force), received: report.received })

  const required = (ctx: Context): Session<ReporterIdentity> | undefined => {
    const session = currentReporter(ctx, sessions)
    if (session === undefined) {
      ctx.status = 303
      localRedirect(ctx, '/login?session=ended')
    }
    return session
  }

  const loginForm = (ctx: Context, errors: FieldError[], status = 200): void => {
    ctx.status = status
    html(ctx, 'reporter/login.njk', { errors, ...(ctx.query.session === 'ended' && status === 200 ? { notice: 'session-ended' } : {}) })
  }

  router.get('/login', (ctx) => loginForm(ctx, []))

  router.post('/login', async (ctx) => {
    const form = await readUrlencoded(ctx.req, FORM_BYTES)
    const input = form.get('codename') ?? ''
    const shape = codenameShape(input)
    // Refused on shape alone, before any derivation: nothing slow is done for junk.
    if (shape === 'missing') { loginForm(ctx, [{ field: 'codename', key: 'errors.login.codenameMissing' }], 400); return }
    if (shape === 'invalid') { loginForm(ctx, [{ field: 'codename', key: 'errors.login.codenameInvalid' }], 400); return }
    // No ceiling on failures (issue 9): only the login queue's bound, which never counts against anyone.
    const identity = shape === 'ok'
      ? await deps.derivations.run('login', () => authenticate(kv, deps.services.reporting.peppers, deps.services.reporting.scryptCost, input))
      : undefined
    if (identity === undefined) {
      loginForm(ctx, [{ field: 'codename', key: 'errors.login.notRecognised' }], 400)
      return
    }
    // A fresh session id at every login; an old one presented with it is ended.
    const session = sessions.create(identity, currentReporter(ctx, sessions))
    setReporterCookie(ctx, session.id, config.cookieSecure)
    ctx.status = 303
    localRedirect(ctx, '/reports')
  })

  router.post('/logout', async (ctx) => {
    const form = await readUrlencoded(ctx.req, FORM_BYTES)
    const session = currentReporter(ctx, sessions)
    if (session !== undefined) {
      if (!csrfMatches(session, form.get('csrf') ?? undefined)) throw new CandourError('CSRF_INVALID', 'form token missing or wrong')
      sessions.end(session.id)
    }
    clearReporterCookie(ctx, config.cookieSecure)
    html(ctx, 'reporter/logged-out.njk', {})
  })

  router.get('/reports', async (ctx) => {
    const session = required(ctx)
    if (session === undefined) return
    const done = typeof ctx.query.done === 'string' && NOTICES.has(ctx.query.done) ? ctx.query.done : undefined
    const reports = await reporterReports(kv, session.data)
    html(ctx, 'reporter/reports.njk', { reports, ...(done === undefined ? {} : { notice: done }) }, session)
  })

  router.post('/replies/delete', async (ctx) => {
    const session = currentReporter(ctx, sessions)
    const form = await readUrlencoded(ctx.req, FORM_BYTES)
    if (session === undefined || !csrfMatches(session, form.get('csrf') ?? undefined)) throw new CandourError('CSRF_INVALID', 'form token missing or wrong')
    const deleted = await deleteReporterCopy(kv, session.data.reporterId, form.get('report') ?? '', form.get('reply') ?? '')
    if (!deleted) throw new CandourError('NOT_FOUND', 'reply not found')
    ctx.status = 303
    localRedirect(ctx, '/reports?done=reply-deleted')
  })

  // Issue 9: a reporter logged out while writing (idle, or the session's lifetime) gets their text
  // back to copy, and is told to choose the files again; nothing of the form is stored.
  const sessionEndedWhileWriting = async (ctx: Context): Promise<void> => {
    let message = ''
    await readMultipart(ctx.req, multipartLimits(config), {
      field (name, value, wasTruncated) { if (name === 'message' && !wasTruncated) message = value.replace(/\r\n?/g, '\n') },
      async file (_name, _filename, stream) { await drain(stream) },
    })
    clearReporterCookie(ctx, config.cookieSecure)
    ctx.status = 400
    html(ctx, 'reporter/session-ended.njk', { values: { message } })
  }

  router.get('/further', async (ctx) => {
    const session = required(ctx)
    if (session === undefined) return
    const report = await ownReport(kv, session.data.reporterId, typeof ctx.query.report === 'string' ? ctx.query.report : '')
    html(ctx, 'reporter/further.njk', { report: reportView(report), values: {}, errors: [], limits }, session)
  })

  // The service cannot take this now (past the upload cap): the message comes back in the form, files are never
  // read, nothing is stored. A reporter whose session ended meanwhile gets the session-ended page, their text on it.
  const busy = async (ctx: Context): Promise<void> => {
    const { values } = await readRefusedForm(ctx, config, FURTHER_FIELDS)
    const message = (values.message ?? '').replace(/\r\n?/g, '\n')
    const session = currentReporter(ctx, sessions)
    if (session === undefined) {
      busyAnswer(ctx)
      clearReporterCookie(ctx, config.cookieSecure)
      html(ctx, 'reporter/session-ended.njk', { values: { message } })
      return
    }
    // Only the reporter's own report: any other id answers 404, as it would with room to spare.
    const report = await ownReport(kv, session.data.reporterId, values.report ?? '')
    busyAnswer(ctx)
    html(ctx, 'reporter/further.njk', { report: reportView(report), values: { message }, errors: [], busy: true, limits }, session)
  }

  router.post('/further', deps.uploads.middleware(busy), async (ctx) => {
    const session = currentReporter(ctx, sessions)
    if (session === undefined) { await sessionEndedWhileWriting(ctx); return }
    let csrf: string | undefined
    let reportId: string | undefined
    let message = ''
    let truncated = false
    let further: FurtherInformation | undefined
    // The token and the report come first in the form; nothing is stored before both are checked.
    const open = async (): Promise<FurtherInformation> => {
      if (!csrfMatches(session, csrf)) throw new CandourError('CSRF_INVALID', 'form token missing or wrong')
      further ??= await FurtherInformation.open(deps.services.reporting, session.data.reporterId, reportId ?? '')
      return further
    }
    try {
      await readMultipart(ctx.req, multipartLimits(config), {
        field (name, value, wasTruncated) {
          if (name === 'csrf') csrf ??= value
          else if (name === 'report') reportId ??= value
          else if (name === 'message') { message = value.replace(/\r\n?/g, '\n'); truncated ||= wasTruncated }
        },
        snapshot: () => ({ csrf, reportId }),
        async file (name, filename, stream, before) {
          if (name !== 'attachments' || filename === '') { await drain(stream); return }
          refuseFileIfLow(uploadTicket(ctx.state))
          // Judged by the token and report that came before this file, whatever follows it.
          if (!csrfMatches(session, before.csrf)) throw new CandourError('CSRF_INVALID', 'form token missing or wrong')
          further ??= await FurtherInformation.open(deps.services.reporting, session.data.reporterId, before.reportId ?? '')
          await further.addAttachment(filename, stream)
        },
      })
      const target = await open()
      const errors: FieldError[] = []
      if (truncated || [...message].length > config.maxMessageChars) errors.push({ field: 'message', key: 'errors.further.messageTooLong', params: { max: config.maxMessageChars } })
      else if (message.trim() === '' && target.attachmentCount === 0) errors.push({ field: 'message', key: 'errors.further.messageMissing' })
      if (errors.length > 0) {
        const filesDropped = target.attachmentCount > 0
        await target.abandon()
        const report = await ownReport(kv, session.data.reporterId, reportId ?? '')
        ctx.status = 400
        html(ctx, 'reporter/further.njk', { report: reportView(report), values: { message: truncated ? '' : message }, errors, filesDropped, limits }, session)
        return
      }
      await target.commit(message)
    } catch (err) {
      await further?.abandon()
      if (!isCandourError(err, 'REPORT_MOVED') || further === undefined) throw err
      // Transferred while this was being sent (issue 9): nothing kept; the text comes back, files must be chosen again.
      const report = await ownReport(kv, session.data.reporterId, reportId ?? '')
      ctx.status = 409
      html(ctx, 'reporter/further.njk', {
        report: reportView(report),
        values: { message: truncated ? '' : message },
        errors: [{ field: 'message', key: 'errors.further.reportMoved' }],
        filesDropped: further.attachmentCount > 0,
        limits,
      }, session)
      return
    }
    ctx.status = 303
    localRedirect(ctx, '/reports?done=further-sent')
  })

  return router
}
