/**
 * The workspace listener's error page, in the workspace shell. With a live
 * session it has the signed-in header and the key expiry banner, like every
 * other workspace page: the session's account is read afresh through the
 * use case (a call handler's through the phone line's), so a removed or
 * reset account gets no header. Without a session, or when that lookup
 * fails, the page has no header: an error page must not fail in its turn.
 */
import type { Context } from 'koa'
import type { WebDeps } from '../deps.js'
import type { ErrorPage, ErrorRenderer } from '../middleware/error-boundary.js'
import { currentReviewer, reviewerContext, type ReviewerPageContext, type ReviewerSessions } from './auth.js'

const TEMPLATE = 'reviewer/error.njk'

/** Builds the workspace's error renderer over its session store. */
export function workspaceErrorPage (deps: WebDeps, sessions: ReviewerSessions): ErrorRenderer {
  const { workspace, phone } = deps.services
  const plain = (page: ErrorPage): string => deps.render(TEMPLATE, { locale: 'en', pagePath: null, ...page })
  return async (page: ErrorPage, ctx: Context): Promise<string> => {
    const session = currentReviewer(ctx, sessions)
    if (session === undefined) return plain(page)
    let header: ReviewerPageContext
    try {
      const { actor, callHandler } = session.data
      header = reviewerContext(session, callHandler ? await phone.viewer(actor) : await workspace.viewer(actor))
    } catch {
      return plain(page)
    }
    return deps.render(TEMPLATE, { locale: 'en', pagePath: null, ...header, ...page })
  }
}
