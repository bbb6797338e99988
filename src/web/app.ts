/**
 * Builds the Koa app. The middleware order lives here only: error boundary
 * (outermost, so every failure becomes a styled page with its headers),
 * security headers, same-origin check, then the routes.
 */
import { readFileSync } from 'node:fs'
import Koa from 'koa'
import Router from '@koa/router'
import { CandourError } from '../errors.js'
import { logLine } from '../log.js'
import { ReceiptBox } from './codename-receipts.js'
import type { WebDeps } from './deps.js'
import { errorBoundary } from './middleware/error-boundary.js'
import { sameOrigin } from './middleware/same-origin.js'
import { securityHeaders } from './middleware/security-headers.js'
import { accountRoutes } from './reporter/account.js'
import { formLimits } from './reporter/limits.js'
import { reporterRoutes } from './reporter/routes.js'
import { reporterSessions } from './reporter/session.js'
import { reviewerAccountRoutes } from './reviewer/account.js'
import { reviewerGuard, reviewerSessionsStore } from './reviewer/auth.js'
import { inboxRoutes } from './reviewer/inbox.js'
import { reportRoutes } from './reviewer/report.js'
import { transferRoutes } from './reviewer/transfer.js'

const STYLESHEET_URL = new URL('../../templates/static/candour.css', import.meta.url)

function loadStylesheet (): Buffer {
  try {
    return readFileSync(STYLESHEET_URL)
  } catch (err) {
    throw new CandourError('CONFIG_INVALID', 'stylesheet missing: run npm run build:css', { cause: err })
  }
}

/** Builds the Koa application for the given dependencies. */
export function createApp (deps: WebDeps): Koa {
  const app = new Koa({ proxy: false })
  // No access log and no default error printing: the boundary logs stable codes only.
  app.silent = true
  app.on('error', () => logLine('response error'))
  const stylesheet = loadStylesheet()
  const { maxTotalMiB } = formLimits(deps.config)

  const statics = new Router()
  statics.get('/static/candour.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8'
    ctx.body = stylesheet
  })
  const sessions = reporterSessions(deps.reporterIdleMs === undefined ? {} : { idleMs: deps.reporterIdleMs })
  const reporter = reporterRoutes(deps, new ReceiptBox(), sessions)
  const account = accountRoutes(deps, sessions)
  const methodNotAllowed = (): Error => new CandourError('METHOD_NOT_ALLOWED', 'method not allowed')
  // The one store of reviewer sessions, shared by every workspace router.
  const reviewerSessions = reviewerSessionsStore({
    ...(deps.reviewer?.idleMs === undefined ? {} : { idleMs: deps.reviewer.idleMs }),
    ...(deps.reviewer?.sessionClock === undefined ? {} : { now: deps.reviewer.sessionClock }),
  })
  const reviewerAccount = reviewerAccountRoutes(deps, reviewerSessions)

  app.use(errorBoundary(
    (page) => deps.render('errors/error.njk', { ...page }),
    (status) => status === 413 ? { maxTotalMiB, maxFiles: deps.config.maxFiles } : undefined,
  ))
  app.use(securityHeaders())
  app.use(sameOrigin())
  app.use(statics.routes())
  app.use(statics.allowedMethods({ throw: true, methodNotAllowed }))
  app.use(reporter.routes())
  app.use(reporter.allowedMethods({ throw: true, methodNotAllowed }))
  app.use(account.routes())
  app.use(account.allowedMethods({ throw: true, methodNotAllowed }))
  // Before any workspace route: ends sessions of reviewers removed or reset since they logged in.
  app.use(reviewerGuard(deps.submissionDeps.kv, reviewerSessions))
  app.use(reviewerAccount.routes())
  app.use(reviewerAccount.allowedMethods({ throw: true, methodNotAllowed }))
  for (const workspace of [inboxRoutes(deps, reviewerSessions), reportRoutes(deps, reviewerSessions), transferRoutes(deps, reviewerSessions)]) {
    app.use(workspace.routes())
    app.use(workspace.allowedMethods({ throw: true, methodNotAllowed }))
  }
  return app
}
