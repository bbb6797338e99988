/**
 * The error boundary: every failure becomes a page in the site's own style
 * with the right status and the security headers set again (Koa's default
 * error path would drop them). Logs carry the stable code only.
 */
import type { Context, Middleware } from 'koa'
import { CandourError, isCandourError } from '../../errors.js'
import { logLine } from '../../log.js'
import { applySecurityHeaders } from './security-headers.js'

/** The catalogue keys and parameters of an error page. */
export interface ErrorPage {
  readonly status: number
  readonly titleKey: string
  readonly bodyKey: string
  readonly bodyParams?: Readonly<Record<string, string | number>>
}

/** Renders an error page to HTML, in the request's language; it must not fail (the workspace's looks up the session's account). */
export type ErrorRenderer = (page: ErrorPage, ctx: Context) => string | Promise<string>

const PAGES: Record<number, { page: string }> = {
  400: { page: 'badRequest' },
  403: { page: 'crossSite' },
  404: { page: 'notFound' },
  405: { page: 'methodNotAllowed' },
  413: { page: 'tooLarge' },
  429: { page: 'tooManyAttempts' },
  500: { page: 'serverError' },
  503: { page: 'unavailable' },
}

// Codes whose page says more than their status does.
const BY_CODE: Partial<Record<string, string>> = {
  CSRF_INVALID: 'forbidden',
  LOGIN_BUSY: 'busy',
  BUSY: 'busy',
  STORAGE_LOW: 'storageLow',
  FORCE_UNAVAILABLE: 'forceUnavailable',
}

/** Turns anything thrown into a CandourError (Koa and router errors carry a status). */
export function toCandourError (err: unknown): CandourError {
  if (isCandourError(err)) return err
  const status = (err as { status?: number } | null)?.status
  if (status === 404) return new CandourError('NOT_FOUND', 'not found', { cause: err })
  if (status === 405 || status === 501) return new CandourError('METHOD_NOT_ALLOWED', 'method not allowed', { cause: err })
  if (status === 413) return new CandourError('PAYLOAD_TOO_LARGE', 'body larger than allowed', { cause: err })
  if (status !== undefined && status >= 400 && status < 500) return new CandourError('VALIDATION_FAILED', 'bad request', { cause: err })
  return new CandourError('INTERNAL', 'unexpected failure', { cause: err })
}

/** Error-page parameters per status (the limits a 413 page states). */
export type ErrorParams = (status: number) => Readonly<Record<string, string | number>> | undefined

/** The outermost middleware: renders every error as a page and keeps the server serving. */
export function errorBoundary (render: ErrorRenderer, params: ErrorParams): Middleware {
  return async (ctx: Context, next) => {
    try {
      await next()
      if (ctx.status === 404 && ctx.body == null) throw new CandourError('NOT_FOUND', 'not found')
    } catch (raw) {
      const err = toCandourError(raw)
      if (!err.expose) logLine(`error ${err.code}`)
      const status = PAGES[err.status] === undefined ? 500 : err.status
      const name = BY_CODE[err.code] ?? PAGES[status]!.page
      ctx.status = status
      ctx.type = 'text/html; charset=utf-8'
      const bodyParams = params(status)
      ctx.body = await render({ status, titleKey: `errors.page.${name}.title`, bodyKey: `errors.page.${name}.body`, ...(bodyParams === undefined ? {} : { bodyParams }) }, ctx)
      applySecurityHeaders(ctx)
      if (status === 429 || status === 503) ctx.set('Retry-After', '60')
      // The rest of an oversized or broken body is not worth reading: close once the page is sent.
      // A busy or full server refuses some bodies before reading them (issue 9): close those too.
      if (status === 413 || err.code === 'CLIENT_ABORTED' || err.code === 'MULTIPART_MALFORMED' || err.code === 'BUSY' || err.code === 'STORAGE_LOW') ctx.set('Connection', 'close')
    }
  }
}
