/**
 * Security headers for every response, errors included. Koa's default error
 * path drops headers already set, so the error boundary applies them again.
 */
import type { Context, Middleware } from 'koa'

/** The headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  // No script source at all: pages must work with JavaScript off (Tor Browser, Safest).
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  // As SecureDrop's source interface: no referrer leaves the site, yet same-origin posts still carry a real Origin.
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
})

/** Sets the security headers on a context and removes any validator a cache could key on. */
export function applySecurityHeaders (ctx: Context): void {
  ctx.set(SECURITY_HEADERS)
  ctx.remove('ETag')
  ctx.remove('Last-Modified')
}

/** Middleware that sets the security headers on the way out. */
export function securityHeaders (): Middleware {
  return async (ctx, next) => {
    applySecurityHeaders(ctx)
    await next()
    ctx.remove('ETag')
    ctx.remove('Last-Modified')
  }
}
