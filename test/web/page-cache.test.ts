/** Static pages: rendered once (demo mode included), sent gzipped to browsers that accept it and plain to others. */
import test from 'ava'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import Koa from 'koa'
import { staticPage } from '../../src/web/page-cache.js'

const HTML = `<!DOCTYPE html><html lang="en"><body>${'<p>Report corruption ✓</p>\n'.repeat(200)}</body></html>`

async function serve (): Promise<{ url: string; renders: () => number; close: () => Promise<void> }> {
  let renders = 0
  const page = staticPage(() => { renders++; return HTML })
  const app = new Koa()
  app.use((ctx) => page.send(ctx))
  const server = http.createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/`, renders: () => renders, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

function get (url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (chunk: Buffer) => parts.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }))
    }).on('error', reject)
  })
}

test('a cached page is rendered once, gzipped for a browser that accepts gzip, plain otherwise', async (t) => {
  const server = await serve()
  t.teardown(server.close)
  const gzipped = await get(server.url, { 'Accept-Encoding': 'gzip, deflate, br' })
  t.is(gzipped.status, 200)
  t.is(gzipped.headers['content-encoding'], 'gzip')
  t.regex(gzipped.headers.vary ?? '', /Accept-Encoding/i)
  t.is(gzipped.headers['content-type'], 'text/html; charset=utf-8')
  t.is(gunzipSync(gzipped.body).toString('utf8'), HTML)
  t.true(gzipped.body.byteLength < Buffer.byteLength(HTML) / 4)
  for (const accept of [undefined, 'identity', 'gzip;q=0', 'br']) {
    const plain = await get(server.url, accept === undefined ? {} : { 'Accept-Encoding': accept })
    t.is(plain.headers['content-encoding'], undefined, String(accept))
    t.is(plain.body.toString('utf8'), HTML, String(accept))
  }
  t.is(server.renders(), 1)
})
