/**
 * Welsh over real HTTP (issue 13): the language lives in the path, every
 * reporter page exists under /cy in Welsh, links stay in the language, each
 * page links to its other-language version with the right lang and hreflang,
 * nothing is remembered (no cookie) or guessed (Accept-Language), and the
 * prefix never becomes a second spelling of a workspace path.
 */
import test from 'ava'
import { walkReporterPages, wireRequest, type WalkedPage } from '../../scripts/bench/page-walk.js'
import { translate } from '../../src/web/i18n.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { escapeHtml } from '../helpers/html.js'

let service: TestService
let welsh: WalkedPage[]
let english: WalkedPage[]

test.before(async () => {
  service = await startTestService()
  english = await walkReporterPages(service.url)
  welsh = await walkReporterPages(service.url, { prefix: '/cy' })
})

test.after.always(async () => {
  await service?.dispose()
})

/** The other-language link of a page, or undefined. */
function languageLink (html: string): { href: string; lang: string; hreflang: string; text: string } | undefined {
  const match = /<a class="govuk-language-navigation__link" href="([^"]*)" rel="alternate"\s*lang="([^"]*)" hreflang="([^"]*)">([^<]*)/.exec(html)
  return match === null ? undefined : { href: match[1]!, lang: match[2]!, hreflang: match[3]!, text: match[4]!.trim() }
}

test('every reporter page has a Welsh version under /cy, in Welsh, with lang="cy"', (t) => {
  t.deepEqual(welsh.map((p) => p.name), english.map((p) => p.name))
  for (const [i, page] of welsh.entries()) {
    t.is(page.status, english[i]!.status, page.name)
    t.true(page.html.includes('<html lang="cy"'), page.name)
    t.true(english[i]!.html.includes('<html lang="en"'), page.name)
    t.true(page.html.includes(escapeHtml(translate('cy', 'exit.button'))), page.name)
    t.true(page.html.includes(escapeHtml(translate('cy', 'layout.footer.emergency'))), page.name)
    t.false(page.html.includes(escapeHtml(translate('en', 'layout.footer.emergency'))), page.name)
  }
  const landing = welsh.find((p) => p.name === 'landing')!
  t.true(landing.html.includes(`<h1 class="govuk-heading-xl">${escapeHtml(translate('cy', 'start.title'))}</h1>`))
  const notFound = welsh.find((p) => p.name === 'not-found')!
  t.true(notFound.html.includes(escapeHtml(translate('cy', 'errors.page.notFound.title'))))
})

test('links and forms on a Welsh page stay in Welsh; only the language link, the stylesheet, the exit and the statistics licence go elsewhere', (t) => {
  for (const page of welsh) {
    const link = languageLink(page.html)
    for (const match of page.html.matchAll(/\s(href|action)="([^"]*)"/g)) {
      const target = match[2]!
      if (target.startsWith('#') || target.startsWith('/static/') || target === service.config.exitUrl || target === service.config.statsLicence.url) continue
      if (link !== undefined && target === link.href) continue
      t.true(target.startsWith('/cy/'), `${page.name}: ${match[1]}=${target}`)
    }
  }
})

test('every page links to its other-language version with lang and hreflang, except the codename page, which can be shown once only', (t) => {
  for (const [pages, other, otherName] of [[english, 'cy', 'Cymraeg'], [welsh, 'en', 'English']] as const) {
    for (const page of pages) {
      const link = languageLink(page.html)
      if (page.name === 'codename') { t.is(link, undefined); continue }
      t.truthy(link, page.name)
      t.is(link!.lang, other, page.name)
      t.is(link!.hreflang, other, page.name)
      t.is(link!.text, otherName, page.name)
      t.true(page.html.includes(`aria-current="true" lang="${other === 'cy' ? 'en' : 'cy'}"`), page.name)
    }
  }
  const path = (pages: WalkedPage[], name: string): string => languageLink(pages.find((p) => p.name === name)!.html)!.href
  t.is(path(english, 'landing'), '/cy/')
  t.is(path(welsh, 'landing'), '/')
  t.is(path(english, 'form'), '/cy/report')
  t.is(path(welsh, 'guidance-files'), '/guidance/files')
  t.regex(path(welsh, 'further'), /^\/further\?report=[0-9a-f]+$/)
  // A page sent in answer to a form links to a page that can be fetched, not to the form's target.
  t.is(path(welsh, 'logged-out'), '/')
  t.is(path(english, 'form-errors'), '/cy/report')
})

test('the language comes from the path only: no cookie, no Accept-Language guessing; /cy goes to /cy/', async (t) => {
  const guessed = await wireRequest(`${service.url}/`, { headers: { 'Accept-Language': 'cy-GB,cy;q=0.9', 'Accept-Encoding': 'identity' } })
  t.true(guessed.body.toString('utf8').includes('<html lang="en"'))
  const chosen = await wireRequest(`${service.url}/cy/`, { headers: { 'Accept-Language': 'en-GB', 'Accept-Encoding': 'identity' } })
  t.true(chosen.body.toString('utf8').includes('<html lang="cy"'))
  t.is(chosen.headers['set-cookie'], undefined)
  const bare = await wireRequest(`${service.url}/cy`)
  t.is(bare.status, 302)
  t.is(bare.headers.location, '/cy/')
})

test('the Welsh receipt cookie belongs to the Welsh codename page only', async (t) => {
  const boundary = 'WelshReceipt'
  const fields = [['force', 'gwent'], ['category', 'other'], ['message', 'Prawf.'], ['anonymity', 'anonymous']]
  const body = Buffer.from(fields.map(([n, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`).join('') + `--${boundary}--\r\n`)
  const sent = await wireRequest(`${service.url}/cy/report`, { method: 'POST', body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, Origin: service.url } })
  t.is(sent.status, 303)
  t.is(sent.headers.location, '/cy/report/sent')
  t.regex(String(sent.headers['set-cookie']), /Path=\/cy\/report\/sent/)
  const cookie = String(sent.headers['set-cookie']).split(';')[0]!
  const page = (await wireRequest(`${service.url}/cy/report/sent`, { headers: { Cookie: cookie } })).body.toString('utf8')
  t.true(page.includes(escapeHtml(translate('cy', 'codename.heading'))))
  t.true(page.includes('data-complaints-body="iopc"'))
})

test('/cy never reaches the workspace or a static file, however it is spelled', async (t) => {
  for (const path of ['/cy/review/', '/cy/review/login', '/cy/REVIEW/login', '/cy/Review/', '/cy//review/login', '/cy/review', '/cy/static/reporter.css', '/cy/%72eview/login']) {
    const res = await wireRequest(`${service.url}${path}`)
    t.is(res.status, 404, path)
    t.false(res.body.toString('utf8').includes('name="username"'), path)
  }
})
