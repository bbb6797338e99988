/**
 * The page-weight budget of issue 13, over real HTTP: every reporter page
 * fetched as a first visit (nothing cached, Tor Browser's Accept-Encoding)
 * costs at most 25 KB of HTML and 30 KB with its stylesheet; the stylesheet is
 * served under a hashed name, precompressed, cacheable for a year; pages stay
 * uncompressed (outside the production page cache) and no-store.
 */
import test from 'ava'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { TOR_BROWSER_ACCEPT_ENCODING, WALK_PAGES, walkReporterPages, wireRequest, type WalkedPage } from '../../scripts/bench/page-walk.js'
import { assetPath, chooseEncoding, IMMUTABLE } from '../../src/web/static-files.js'
import { builtStylesheet } from '../helpers/static-files.js'
import { startTestService, type TestService } from '../helpers/service.js'

const KB = 1024
const HTML_BUDGET = 25 * KB
const TOTAL_BUDGET = 30 * KB

let service: TestService
let pages: WalkedPage[]

test.before(async () => {
  service = await startTestService()
  pages = await walkReporterPages(service.url)
})

test.after.always(async () => {
  await service?.dispose()
})

test('every reporter page costs at most 25 KB of HTML and 30 KB with its stylesheet on a first visit', (t) => {
  t.deepEqual(pages.map((p) => p.name), [...WALK_PAGES])
  for (const page of pages) {
    t.log(`${page.name}: HTML ${page.htmlBytes} B, with stylesheet ${page.totalBytes} B`)
    t.true(page.html.includes('<link rel="stylesheet"'), page.name)
    t.true(page.htmlBytes <= HTML_BUDGET, `${page.name}: ${page.htmlBytes} bytes of HTML`)
    t.true(page.totalBytes <= TOTAL_BUDGET, `${page.name}: ${page.totalBytes} bytes in all`)
  }
})

test('pages are sent uncompressed and no-store; the stylesheet under its hashed name, brotli or gzip as asked, for a year', async (t) => {
  // A page with a token or echoed input is never compressed; every page is no-store.
  const errors = await wireRequest(`${service.url}/login`, { method: 'POST', body: Buffer.from('codename='), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: service.url } })
  t.is(errors.headers['content-encoding'], undefined)
  t.is(errors.headers['cache-control'], 'no-store')
  t.is((await wireRequest(`${service.url}/report`)).headers['cache-control'], 'no-store')

  const plain = builtStylesheet('reporter.css')
  const href = assetPath('reporter.css')
  t.regex(href, /^\/static\/reporter\.[0-9a-f]{16}\.css$/)
  const br = await wireRequest(`${service.url}${href}`)
  t.is(br.status, 200)
  t.is(br.headers['content-encoding'], 'br')
  t.is(br.headers['cache-control'], IMMUTABLE)
  t.regex(String(br.headers.vary), /Accept-Encoding/)
  t.regex(String(br.headers['content-type']), /^text\/css/)
  t.is(brotliDecompressSync(br.body).toString('utf8'), plain)
  t.true(br.wireBytes < plain.length / 5)

  const gzip = await wireRequest(`${service.url}${href}`, { headers: { 'Accept-Encoding': 'gzip' } })
  t.is(gzip.headers['content-encoding'], 'gzip')
  t.is(gunzipSync(gzip.body).toString('utf8'), plain)

  const identity = await wireRequest(`${service.url}${href}`, { headers: { 'Accept-Encoding': 'identity' } })
  t.is(identity.headers['content-encoding'], undefined)
  t.is(identity.body.toString('utf8'), plain)

  // Another name under /static/ is the ordinary 404 page, not a file.
  for (const other of ['/static/reporter.css', '/static/reporter.0000000000000000.css', `/static/${href.slice(8)}.br`, '/static/manifest.json']) {
    const res = await wireRequest(`${service.url}${other}`)
    t.is(res.status, 404, other)
    t.is(res.headers['cache-control'], 'no-store', other)
  }
})

test('the encoding follows Accept-Encoding: brotli on a tie, the higher q otherwise, identity when neither is accepted', (t) => {
  t.is(chooseEncoding(TOR_BROWSER_ACCEPT_ENCODING), 'br')
  t.is(chooseEncoding('gzip, deflate, br, zstd'), 'br')
  t.is(chooseEncoding('gzip'), 'gzip')
  t.is(chooseEncoding('br;q=0.5, gzip;q=0.8'), 'gzip')
  t.is(chooseEncoding('br;q=0, gzip'), 'gzip')
  t.is(chooseEncoding('*'), 'br')
  t.is(chooseEncoding('*;q=0'), 'identity')
  t.is(chooseEncoding('identity'), 'identity')
  t.is(chooseEncoding(''), 'identity')
  t.is(chooseEncoding(undefined), 'identity')
})
