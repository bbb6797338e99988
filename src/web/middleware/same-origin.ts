/**
 * Refuses state-changing requests that another site made the browser send.
 * Fetch metadata first (Sec-Fetch-Site), then Origin. Under the site's
 * Referrer-Policy of same-origin, browsers send a real Origin on its own posts;
 * Origin "null" is accepted only with Sec-Fetch-Site: same-origin.
 */
import type { Middleware } from 'koa'
import { CandourError } from '../../errors.js'

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Middleware refusing cross-site unsafe requests with CROSS_SITE_REQUEST (403). */
export function sameOrigin (): Middleware {
  return async (ctx, next) => {
    if (!SAFE.has(ctx.method)) {
      const site = ctx.get('Sec-Fetch-Site').toLowerCase()
      const origin = ctx.get('Origin')
      if (site === 'cross-site' || site === 'same-site') throw new CandourError('CROSS_SITE_REQUEST', 'cross-site request refused')
      if (origin !== '') {
        if (origin === 'null') {
          if (site !== 'same-origin') throw new CandourError('CROSS_SITE_REQUEST', 'opaque origin refused')
        } else {
          let host: string
          try { host = new URL(origin).host } catch { throw new CandourError('CROSS_SITE_REQUEST', 'malformed origin refused') }
          if (host !== ctx.host) throw new CandourError('CROSS_SITE_REQUEST', 'foreign origin refused')
        }
      }
    }
    await next()
  }
}
