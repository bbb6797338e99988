/**
 * The language lives in the path (issue 13): `/cy/...` is the Welsh version of
 * every reporter-side page, anything else is English. No cookie and no
 * Accept-Language guessing: a shared or watched device should not remember or
 * reveal a choice, and a link always opens in the language it names. The
 * prefix is taken off before routing, so one set of routes serves both; the
 * workspace has no Welsh version, and `/cy/review...` is not found however it
 * is spelled.
 */
import type { Context, Middleware } from 'koa'
import { CandourError } from '../../errors.js'
import { localePath, type Locale } from '../i18n.js'

/** The locale of this request (set by localeFromPath; English before it has run). */
export function requestLocale (ctx: Context): Locale {
  return ctx.state.locale === 'cy' ? 'cy' : 'en'
}

/** Middleware that reads the language prefix, sets ctx.state.locale and routes the rest of the path. */
export function localeFromPath (): Middleware {
  return async (ctx, next) => {
    const match = /^\/cy(\/.*)?$/.exec(ctx.path)
    if (match === null) {
      ctx.state.locale = 'en'
      await next()
      return
    }
    ctx.state.locale = 'cy'
    const rest = match[1]
    if (rest === undefined) {
      ctx.status = 302
      ctx.redirect('/cy/')
      return
    }
    // Reporter pages only: never a second spelling of a workspace path or of a static file.
    const lower = rest.toLowerCase()
    if (lower === '/review' || lower.startsWith('/review/') || lower.startsWith('/static/') || rest.includes('//') || rest.includes('\\')) {
      throw new CandourError('NOT_FOUND', 'not found')
    }
    ctx.path = rest
    await next()
  }
}

// Where the other-language link of a page sent in answer to a form goes: the page to come back to.
const AFTER_POST: Readonly<Record<string, string>> = {
  '/report': '/report',
  '/login': '/login',
  '/logout': '/',
  '/further': '/reports',
  '/replies/delete': '/reports',
}

/** The page's own path and query (without the language prefix) for its other-language link: plain characters only, else the landing page. */
export function pagePath (ctx: Context): string {
  const get = ctx.method === 'GET' || ctx.method === 'HEAD'
  const path = get ? ctx.path : AFTER_POST[ctx.path] ?? '/'
  // Nothing that a browser could read as another host (//, \) and nothing odd reaches the link.
  if (!/^\/(?:[A-Za-z0-9._~-]+\/?)*$/.test(path)) return '/'
  const query = get ? ctx.querystring : ''
  return query !== '' && /^[A-Za-z0-9=&%._~-]+$/.test(query) ? `${path}?${query}` : path
}

/** What every page needs to speak its language and link to its other-language version. */
export function pageContext (ctx: Context): { locale: Locale; pagePath: string } {
  return { locale: requestLocale(ctx), pagePath: pagePath(ctx) }
}

/** Redirect target `path` in the request's language. */
export function localRedirect (ctx: Context, path: string): void {
  ctx.redirect(localePath(requestLocale(ctx), path))
}
