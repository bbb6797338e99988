/**
 * Builds the Koa apps: the reporters' site and the reviewer workspace, each
 * served on its own listener (issue 9). The middleware order lives here only:
 * error boundary (outermost, so every failure becomes a styled page with its
 * headers), security headers, same-origin check, then the routes.
 */
import Koa from 'koa'
import type Router from '@koa/router'
import { CandourError } from '../errors.js'
import { logLine } from '../log.js'
import { ReceiptBox } from './codename-receipts.js'
import type { WebDeps } from './deps.js'
import { errorBoundary, type ErrorRenderer } from './middleware/error-boundary.js'
import { localeFromPath, pageContext } from './middleware/locale.js'
import { sameOrigin } from './middleware/same-origin.js'
import { securityHeaders } from './middleware/security-headers.js'
import { loadStaticFiles, sendStaticFile, type StaticFiles } from './static-files.js'
import { accountRoutes } from './reporter/account.js'
import { guidanceRoutes } from './reporter/guidance.js'
import { formLimits } from './reporter/limits.js'
import { reporterRoutes } from './reporter/routes.js'
import { reporterSessions } from './reporter/session.js'
import { statisticsRoutes } from './reporter/statistics.js'
import { reviewerAccountRoutes } from './reviewer/account.js'
import { endedSessions, reviewerSessionsStore } from './reviewer/auth.js'
import { workspaceErrorPage } from './reviewer/error-page.js'
import { inboxRoutes } from './reviewer/inbox.js'
import { reportRoutes } from './reviewer/report.js'
import { reviewerStatisticsRoutes } from './reviewer/statistics.js'
import { transferRoutes } from './reviewer/transfer.js'
import { intakeRoutes } from './intake/routes.js'
import { strictRouter } from './router.js'

/** The two applications of one process: the reporters' site and the reviewer workspace. */
export interface Apps {
  /** Served on HOST:PORT; answers 404 for every workspace path. */
  readonly reporter: Koa
  /** Served on REVIEW_HOST:REVIEW_PORT only (issue 9): the workspace never shares the public listener. */
  readonly workspace: Koa
  /** Every route each app serves, as registered (the spelling walk in the tests reads it). */
  readonly routes: { readonly reporter: readonly Route[]; readonly workspace: readonly Route[] }
}

/** One registered route: its methods and its path pattern. */
export interface Route {
  readonly methods: readonly string[]
  readonly path: string
}

function routesOf (routers: readonly Router[]): Route[] {
  return routers.flatMap((router) => router.stack.map((layer) => ({ methods: [...layer.methods], path: String(layer.path) })))
}

// The layers every app starts with, outermost first: the error boundary, the security headers, the same-origin check, the stylesheet.
// Only the reporters' site speaks Welsh (`/cy/...`, issue 13); the workspace is English only, with no language link.
function baseApp (deps: WebDeps, staticFiles: StaticFiles, localized: boolean, errorPage: ErrorRenderer): { app: Koa; statics: Router } {
  const app = new Koa({ proxy: false })
  // No access log and no default error printing: the boundary logs stable codes only.
  app.silent = true
  app.on('error', () => logLine('response error'))
  const { maxTotalMiB } = formLimits(deps.config)
  app.use(errorBoundary(
    errorPage,
    (status) => status === 413 ? { maxTotalMiB, maxFiles: deps.config.maxFiles } : undefined,
  ))
  app.use(securityHeaders())
  if (localized) app.use(localeFromPath())
  app.use(sameOrigin())
  const statics = strictRouter()
  // Hashed names only (src/web/static-files.ts): an unknown name is the ordinary 404 page.
  statics.get('/static/:name', (ctx) => sendStaticFile(ctx, staticFiles, ctx.params.name ?? ''))
  mount(app, statics)
  return { app, statics }
}

function mount (app: Koa, router: Router): void {
  app.use(router.routes())
  app.use(router.allowedMethods({ throw: true, methodNotAllowed: () => new CandourError('METHOD_NOT_ALLOWED', 'method not allowed') }))
}

/** Builds both Koa applications for the given dependencies. */
export function createApps (deps: WebDeps): Apps {
  const staticFiles = loadStaticFiles()

  const reporter = baseApp(deps, staticFiles, true, (page, ctx) => deps.render('errors/error.njk', { ...pageContext(ctx), pagePath: '/', ...page }))
  const sessions = reporterSessions({
    ...(deps.reporterIdleMs === undefined ? {} : { idleMs: deps.reporterIdleMs }),
    ...(deps.reporterSessionClock === undefined ? {} : { now: deps.reporterSessionClock }),
  })
  const reporterRouters = [reporterRoutes(deps, new ReceiptBox(), sessions), accountRoutes(deps, sessions), guidanceRoutes(deps), statisticsRoutes(deps, deps.statistics, sessions)]
  for (const router of reporterRouters) mount(reporter.app, router)

  // The one store of reviewer sessions, shared by every workspace router and the workspace's error page.
  const reviewerSessions = reviewerSessionsStore({
    ...(deps.reviewer?.idleMs === undefined ? {} : { idleMs: deps.reviewer.idleMs }),
    ...(deps.reviewer?.lifetimeMs === undefined ? {} : { lifetimeMs: deps.reviewer.lifetimeMs }),
    ...(deps.reviewer?.sessionClock === undefined ? {} : { now: deps.reviewer.sessionClock }),
  })
  const workspace = baseApp(deps, staticFiles, false, workspaceErrorPage(deps, reviewerSessions))
  // A use case that finds the session's account removed, reset or replaced ends the session here (issue 9).
  workspace.app.use(endedSessions(reviewerSessions, deps.config.cookieSecure))
  // The workspace's root leads to its inbox (the login page when no one is signed in).
  const root = strictRouter()
  root.get('/', (ctx) => { ctx.status = 303; ctx.redirect('/review/') })
  const workspaceRouters = [root, reviewerAccountRoutes(deps, reviewerSessions), inboxRoutes(deps, reviewerSessions), reportRoutes(deps, reviewerSessions), transferRoutes(deps, reviewerSessions), reviewerStatisticsRoutes(deps, reviewerSessions), intakeRoutes(deps, reviewerSessions)]
  for (const router of workspaceRouters) mount(workspace.app, router)
  return {
    reporter: reporter.app,
    workspace: workspace.app,
    routes: { reporter: routesOf([reporter.statics, ...reporterRouters]), workspace: routesOf([workspace.statics, ...workspaceRouters]) },
  }
}
