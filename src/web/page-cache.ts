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

/** Bytes kept ready to send, as they are and gzipped. */
export interface Encoded { readonly plain: Buffer; readonly gzip: Buffer }

/** Encodes text once, for sending many times (gzip level 9: paid once, saved on every slow circuit). */
export function encoded (text: string): Encoded {
  const plain = Buffer.from(text, 'utf8')
  return { plain, gzip: gzipSync(plain, { level: 9 }) }
}

/** Sends kept bytes, gzipped when the browser accepts it. */
export function sendEncoded (ctx: Context, body: Encoded): void {
  ctx.vary('Accept-Encoding')
  if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
    ctx.set('Content-Encoding', 'gzip')
    ctx.body = body.gzip
  } else {
    ctx.body = body.plain
  }
}

/** A page rendered at most once, sent as HTML. */
export interface StaticPage {
  send (ctx: Context): void
}

/**
 * Wraps a render function whose result changes only when `version()` does
 * (compared by identity; the empty form changes when a force's last key expires).
 */
export function staticPage (render: () => string, version: () => unknown = () => undefined): StaticPage {
  let bytes: Encoded | undefined
  let renderedFor: unknown
  return {
    send (ctx) {
      ctx.type = 'text/html; charset=utf-8'
      const current = version()
      if (bytes === undefined || current !== renderedFor) {
        renderedFor = current
        bytes = encoded(render())
      }
      sendEncoded(ctx, bytes)
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
