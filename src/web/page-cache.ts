/**
 * Pages that are the same for every visitor without a session (the landing
 * page, the empty report form): rendered once, kept as bytes, and also kept
 * gzipped for browsers that accept it, as Tor Browser does. Rendering the
 * report form with its GOV.UK macros costs milliseconds, and its 22 KB take
 * long on a slow circuit; sending 4 KB of bytes kept ready does not
 * (docs/performance.md). Compression is safe here because these pages hold no
 * secret and reflect nothing a visitor sent (no BREACH). Demo mode caches them
 * too, as it caches templates (issue 9): restart to see a template edit.
 */
import { gzipSync } from 'node:zlib'
import type { Context } from 'koa'

/** A page rendered at most once, sent as HTML. */
export interface StaticPage {
  send (ctx: Context): void
}

/**
 * Wraps a render function whose result changes only when `version()` does
 * (compared by identity; the empty form changes when a force's last key expires).
 */
export function staticPage (render: () => string, version: () => unknown = () => undefined): StaticPage {
  let bytes: { plain: Buffer; gzip: Buffer } | undefined
  let renderedFor: unknown
  return {
    send (ctx) {
      ctx.type = 'text/html; charset=utf-8'
      const current = version()
      if (bytes === undefined || current !== renderedFor) {
        renderedFor = current
        const plain = Buffer.from(render(), 'utf8')
        bytes = { plain, gzip: gzipSync(plain, { level: 9 }) }
      }
      ctx.vary('Accept-Encoding')
      if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
        ctx.set('Content-Encoding', 'gzip')
        ctx.body = bytes.gzip
      } else {
        ctx.body = bytes.plain
      }
    },
  }
}

/** A page rendered once per language (again when `version` changes), in the request's language. */
export function localizedPage (render: (ctx: Context) => string, version: () => unknown, localeOf: (ctx: Context) => string): StaticPage {
  const pages = new Map<string, StaticPage>()
  return {
    send (ctx) {
      const locale = localeOf(ctx)
      let page = pages.get(locale)
      if (page === undefined) {
        page = staticPage(() => render(ctx), version)
        pages.set(locale, page)
      }
      page.send(ctx)
    },
  }
}
