/**
 * Security headers on every response, errors included; the same-origin check
 * on posts; and pages that hold no script and reach no other host.
 */
import test, { type ExecutionContext } from 'ava'
import http from 'node:http'
import { translate } from '../../src/web/i18n.js'
import { assetPath, IMMUTABLE } from '../../src/web/static-files.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { escapeHtml } from '../helpers/html.js'

let service: TestService

test.before(async () => {
  service = await startTestService()
})

test.after.always(async () => {
  await service?.dispose()
})

// ---------------------------------------------------------------- helpers

interface Answer {
  readonly status: number
  /** Header names in lower case, each with every value it was sent with. */
  readonly headers: ReadonlyMap<string, string[]>
  readonly body: string
}

/** One request over node:http, so that the headers are exactly those on the wire. */
function request (method: string, pathname: string, headers: Record<string, string | number> = {}, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A fresh connection per request: a kept-alive socket the server has just closed (5 s idle) fails on a slow machine.
    const req = http.request(new URL(pathname, service.url), { agent: false, method, headers })
    let responded = false
    req.on('response', (res) => {
      responded = true
      const parts: Buffer[] = []
      res.on('data', (chunk: Buffer) => parts.push(chunk))
      res.on('end', () => {
        const map = new Map<string, string[]>()
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase()
          map.set(name, [...(map.get(name) ?? []), res.rawHeaders[i + 1]!])
        }
        resolve({ status: res.statusCode!, headers: map, body: Buffer.concat(parts).toString('utf8') })
      })
      res.on('error', reject)
    })
    // A declared body the server refuses unread: a write after its answer may fail, which is fine.
    req.on('error', (err) => { if (!responded) reject(err) })
    if (body === undefined) req.end()
    else req.end(body)
  })
}

const BOUNDARY = 'CandourHeadersTestBoundary'

function multipart (values: Record<string, string>): Buffer {
  const parts = Object.entries(values).map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
  return Buffer.from(parts.join('') + `--${BOUNDARY}--\r\n`, 'utf8')
}

const VALID = { force: 'kent', category: 'discrimination', message: 'Headers test report.', anonymity: 'anonymous', 'at-risk': 'yes' }

function postReport (values: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  const body = multipart(values)
  return request('POST', '/report', { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': body.length, ...headers }, body)
}

function one (answer: Answer, name: string): string | undefined {
  const values = answer.headers.get(name)
  return values === undefined ? undefined : values.join(', ')
}

function hasTitle (answer: Answer, key: string): boolean {
  return answer.body.includes(`<h1 class="govuk-heading-l">${escapeHtml(translate('en', key))}</h1>`)
}

function assertSecurityHeaders (t: ExecutionContext, answer: Answer, label: string): void {
  const csp = one(answer, 'content-security-policy') ?? ''
  t.is(answer.headers.get('content-security-policy')?.length, 1, `${label}: one CSP`)
  const directives = csp.split(';').map((d) => d.trim())
  t.true(directives.includes("default-src 'none'"), `${label}: default-src 'none'`)
  t.false(/script-src/i.test(csp), `${label}: no script source`)
  t.is(one(answer, 'x-frame-options'), 'DENY', label)
  t.is(one(answer, 'referrer-policy'), 'same-origin', label)
  t.is(one(answer, 'x-content-type-options'), 'nosniff', label)
  // A hashed static file never changes, so it alone may be kept (src/web/static-files.ts); every page is no-store.
  t.is(one(answer, 'cache-control'), label.includes('/static/') && answer.status === 200 ? IMMUTABLE : 'no-store', label)
  for (const absent of ['etag', 'last-modified', 'date', 'x-powered-by', 'server']) t.false(answer.headers.has(absent), `${label}: no ${absent}`)
}

/** What no page may contain: script, event handlers, javascript: URLs, or any other host. */
function assertSelfContained (t: ExecutionContext, html: string, label: string): void {
  t.true(html.startsWith('<!DOCTYPE html>'), label)
  t.false(/<script/i.test(html), `${label}: <script`)
  t.false(/\son[a-z]+\s*=/i.test(html), `${label}: an on…= handler`)
  t.false(/javascript:/i.test(html), `${label}: javascript:`)
  t.false(/<(?:iframe|object|embed|frame|base)\b/i.test(html), `${label}: an embedding or base element`)
  t.false(/http-equiv\s*=\s*["']?refresh/i.test(html), `${label}: a refresh`)
  const own = new URL(service.url).host
  // Two exceptions: the SVG namespace name on the GOV.UK start button's inline arrow (an identifier,
  // never fetched), and the "Exit this page" link to the configured neutral site, which is a way
  // out, not a resource. Every other absolute URL must be our own.
  const exitLink = `href="${service.config.exitUrl}" role="button" draggable="false" class="govuk-button govuk-button--warning govuk-exit-this-page__button`
  const text = html.replace(/ xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '').replace(exitLink, '')
  for (const match of text.matchAll(/(?:https?:)?\/\/[^\s"'<>)]+/gi)) {
    // "//" inside text that is not a URL (there is none today) would land here too: better loud than blind.
    const url = match[0].startsWith('//') ? `http:${match[0]}` : match[0]
    let host = ''
    try { host = new URL(url).host } catch { /* leave empty */ }
    t.is(host, own, `${label}: ${match[0]}`)
  }
  for (const match of text.matchAll(/\s(?:href|src|action|formaction|srcset|poster|background)\s*=\s*["']?([^"'\s>]*)/gi)) {
    const target = match[1]!
    t.true(target.startsWith('/') || target.startsWith('#'), `${label}: a link to ${target}`)
    t.false(target.startsWith('//'), `${label}: a protocol-relative link to ${target}`)
  }
}

/** A report sent, then the codename page read twice (shown, then gone). */
async function codenamePages (): Promise<{ posted: Answer; shown: Answer; gone: Answer }> {
  const posted = await postReport(VALID, { Origin: service.url })
  const cookie = (posted.headers.get('set-cookie')?.[0] ?? '').split(';')[0]!
  const shown = await request('GET', '/report/sent', { Cookie: cookie })
  const gone = await request('GET', '/report/sent', { Cookie: cookie })
  return { posted, shown, gone }
}

// ---------------------------------------------------------------- tests

test('every response carries the security headers, errors included, and no Date, ETag, Last-Modified, Server or X-Powered-By', async (t) => {
  const { posted, shown, gone } = await codenamePages()
  const css = assetPath('reporter.css')
  const answers: Array<[string, Answer, number]> = [
    ['GET /', await request('GET', '/'), 200],
    ['HEAD /', await request('HEAD', '/'), 200],
    ['GET /report', await request('GET', '/report'), 200],
    ['GET /static/reporter.css (hashed)', await request('GET', css), 200],
    ['GET /static/reporter.css (hashed) again, conditional', await request('GET', css, { 'If-None-Match': '*', 'If-Modified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' }), 200],
    ['GET /static/ under its plain name', await request('GET', '/static/reporter.css'), 404],
    ['GET /nowhere', await request('GET', '/nowhere'), 404],
    ['DELETE /report', await request('DELETE', '/report'), 405],
    ['PUT /static/reporter.css (hashed)', await request('PUT', css, { 'Content-Length': 0 }), 405],
    ['POST /report urlencoded', await request('POST', '/report', { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': 3 }, Buffer.from('a=b')), 400],
    ['POST /report with form errors', await postReport({ force: 'kent' }), 400],
    ['POST /report cross-site', await postReport(VALID, { 'Sec-Fetch-Site': 'cross-site' }), 403],
    ['POST /report declared too large', await request('POST', '/report', { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': 600 * 1024 * 1024 }), 413],
    ['POST /report accepted', posted, 303],
    ['GET /report/sent', shown, 200],
    ['GET /report/sent again', gone, 404],
  ]
  for (const [label, answer, status] of answers) {
    t.is(answer.status, status, label)
    assertSecurityHeaders(t, answer, label)
  }
  t.regex(one(answers[3]![1], 'content-type') ?? '', /^text\/css/)
})

test('a post another site made the browser send is refused with the 403 page; the site\'s own posts are accepted', async (t) => {
  const own = service.url
  const refused: Array<[string, Record<string, string>]> = [
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }],
    ['Sec-Fetch-Site: cross-site with our own Origin', { 'Sec-Fetch-Site': 'cross-site', Origin: own }],
    ['Origin: http://evil.example', { Origin: 'http://evil.example' }],
    ['Origin of another port on the same host', { Origin: `http://${new URL(own).hostname}:1` }],
    ['Origin: null without Sec-Fetch-Site', { Origin: 'null' }],
    ['Origin: null with Sec-Fetch-Site: cross-site', { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }],
    ['a malformed Origin', { Origin: 'not a url' }],
  ]
  for (const [label, headers] of refused) {
    const answer = await postReport(VALID, headers)
    t.is(answer.status, 403, label)
    t.true(hasTitle(answer, 'errors.page.crossSite.title'), label)
    t.false(answer.headers.has('set-cookie'), `${label}: nothing stored, no receipt`)
    assertSecurityHeaders(t, answer, label)
  }
  const refusedDelete = await request('DELETE', '/report', { Origin: 'http://evil.example' })
  t.is(refusedDelete.status, 403, 'other unsafe methods are checked too')

  const accepted: Array<[string, Record<string, string>]> = [
    ['Origin: null with Sec-Fetch-Site: same-origin', { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' }],
    ['our own Origin', { Origin: own }],
    ['our own Origin with Sec-Fetch-Site: same-origin', { Origin: own, 'Sec-Fetch-Site': 'same-origin' }],
  ]
  for (const [label, headers] of accepted) {
    const answer = await postReport(VALID, headers)
    t.is(answer.status, 303, label)
    t.is(one(answer, 'location'), '/report/sent', label)
  }
  // Not 403 even when the form itself is wrong: the check lets it through to validation.
  const invalid = await postReport({ force: 'kent' }, { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' })
  t.is(invalid.status, 400)
})

test('no page holds a script, an event handler, a javascript: URL or a URL of another host', async (t) => {
  const { shown, gone } = await codenamePages()
  t.true(shown.body.includes('id="codename"'))
  t.true(shown.body.includes(escapeHtml(translate('en', 'common.emergency'))), 'the urgent codename page, with its warning')
  const calm = await postReport({ ...VALID, 'at-risk': 'no' }, { Origin: service.url })
  const calmShown = await request('GET', '/report/sent', { Cookie: (calm.headers.get('set-cookie')?.[0] ?? '').split(';')[0]! })
  t.true(calmShown.body.includes('id="codename"'))
  const pages: Array<[string, Answer]> = [
    ['/', await request('GET', '/')],
    ['/report', await request('GET', '/report')],
    ['the form with every error', await postReport({ force: 'nowhere', category: 'x', anonymity: 'contact', role: 'x', duty: 'x', setting: 'x', 'when-month': '13', 'when-year': '3000', 'at-risk': 'x' })],
    ['404', await request('GET', '/no/such/page')],
    ['405', await request('DELETE', '/report')],
    ['403', await postReport(VALID, { Origin: 'http://evil.example' })],
    ['413', await request('POST', '/report', { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': 600 * 1024 * 1024 })],
    ['400', await request('POST', '/report', { 'Content-Type': 'text/plain', 'Content-Length': 2 }, Buffer.from('hi'))],
    ['the codename page (urgent)', shown],
    ['the codename page', calmShown],
    ['the codename page, gone', gone],
  ]
  for (const [label, answer] of pages) {
    t.regex(one(answer, 'content-type') ?? '', /^text\/html; charset=utf-8$/, label)
    assertSelfContained(t, answer.body, label)
  }
})
