/** Issue 9, item 10 over HTTP: an error nobody foresaw is INTERNAL (not STORE_FAILED), answered with the site's 500 page and its headers. */
import test from 'ava'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import { toCandourError, errorBoundary } from '../../src/web/middleware/error-boundary.js'
import { SECURITY_HEADERS } from '../../src/web/middleware/security-headers.js'

test('an unforeseen error becomes INTERNAL; known statuses keep their codes', (t) => {
  t.is(toCandourError(new TypeError('boom')).code, 'INTERNAL')
  t.is(toCandourError(new TypeError('boom')).status, 500)
  t.false(toCandourError(new TypeError('boom')).expose)
  t.is(toCandourError(Object.assign(new Error('gone'), { status: 404 })).code, 'NOT_FOUND')
})

test('a handler that throws unexpectedly gets the 500 page with the security headers, and the server keeps serving', async (t) => {
  const app = new Koa()
  app.silent = true
  const pages: string[] = []
  app.use(errorBoundary((page) => { pages.push(page.titleKey); return `<p>${page.titleKey}</p>` }, () => undefined))
  app.use((ctx) => {
    if (ctx.path === '/fail') throw new TypeError('unforeseen')
    ctx.body = 'ok'
  })
  const server = http.createServer(app.callback()).listen(0, '127.0.0.1')
  t.teardown(() => { server.close() })
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const failed = await fetch(`${base}/fail`)
  t.is(failed.status, 500)
  t.is(await failed.text(), '<p>errors.page.serverError.title</p>')
  for (const name of Object.keys(SECURITY_HEADERS)) t.truthy(failed.headers.get(name), name)
  t.is(await (await fetch(`${base}/`)).text(), 'ok')
})
