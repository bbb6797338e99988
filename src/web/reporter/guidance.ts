/**
 * The guidance pages (issue 13): staying safe, files that can identify their
 * maker, and what happens to a report. The same for every visitor, so each is
 * rendered once in production.
 */
import type Router from '@koa/router'
import type { WebDeps } from '../deps.js'
import { localizedPage } from '../page-cache.js'
import { pageContext, requestLocale } from '../middleware/locale.js'
import { strictRouter } from '../router.js'

/** Guidance pages by path, each with its template under templates/guidance/. */
export const GUIDANCE_PAGES: Readonly<Record<string, string>> = Object.freeze({
  '/guidance/staying-safe': 'guidance/staying-safe.njk',
  '/guidance/files': 'guidance/files.njk',
  '/guidance/what-happens': 'guidance/what-happens.njk',
})

/** Builds the router of the guidance pages. */
export function guidanceRoutes (deps: WebDeps): Router {
  const router = strictRouter()
  for (const [path, template] of Object.entries(GUIDANCE_PAGES)) {
    const page = localizedPage((ctx) => deps.render(template, { ...pageContext(ctx), pagePath: path }), () => undefined, requestLocale)
    router.get(path, (ctx) => page.send(ctx))
  }
  return router
}
