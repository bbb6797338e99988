/**
 * What every reporter page shows beyond its own content (issue 13): the right
 * complaints body for the force of each nation, and "Exit this page" to the
 * configured neutral site, over real HTTP.
 */
import test from 'ava'
import { walkReporterPages } from '../../scripts/bench/page-walk.js'
import { translate } from '../../src/web/i18n.js'
import { login } from '../helpers/reporter.js'
import { postReport } from '../helpers/submit.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { escapeHtml } from '../helpers/html.js'

const EXIT_URL = 'https://www.example.org/weather?city=cardiff'

let service: TestService

test.before(async () => {
  service = await startTestService({ CANDOUR_EXIT_URL: EXIT_URL })
})

test.after.always(async () => {
  await service?.dispose()
})

const BODIES = ['iopc', 'pirc', 'poni'] as const
const bodyName = (body: string): string => escapeHtml(translate('en', `complaints.bodies.${body}`))

/** The complaints bodies a page names, in the order it names them. */
function bodiesNamed (html: string): string[] {
  return BODIES.filter((body) => html.includes(bodyName(body)))
}

const FORCE_OF_EACH_NATION = [
  ['kent', 'Kent Police', 'iopc'],
  ['south-wales', 'South Wales Police', 'iopc'],
  ['british-transport', 'British Transport Police', 'iopc'],
  ['police-scotland', 'Police Scotland', 'pirc'],
  ['psni', 'Police Service of Northern Ireland', 'poni'],
] as const

test('the landing page lists all three complaints bodies, each with the forces it covers', async (t) => {
  const html = await (await fetch(`${service.url}/`)).text()
  t.true(html.includes('data-complaints-body="all"'))
  t.deepEqual(bodiesNamed(html), ['iopc', 'pirc', 'poni'])
  for (const body of BODIES) t.true(html.includes(escapeHtml(translate('en', `complaints.nations.${body}`, { body: translate('en', `complaints.bodies.${body}`) }))), body)
})

test('a report to a force of each nation: the form sent back, the codename page and the reports page name its complaints body only', async (t) => {
  for (const [force, forceName, body] of FORCE_OF_EACH_NATION) {
    const expected = escapeHtml(translate('en', 'complaints.forForce', { force: forceName, body: translate('en', `complaints.bodies.${body}`) }))
    // The form sent back with an error keeps the chosen force and names its body.
    const refused = await postReport(service.url, { force })
    t.is(refused.status, 400)
    const form = await refused.text()
    t.true(form.includes(`data-complaints-body="${body}">${expected}</p>`), `${force}: form`)
    t.deepEqual(bodiesNamed(form.slice(0, form.indexOf('<footer'))), [body], `${force}: form`)

    const sent = await postReport(service.url, { force, category: 'other', message: 'Signpost test.', anonymity: 'anonymous', 'at-risk': 'no' })
    t.is(sent.status, 303)
    const cookie = (sent.headers.get('set-cookie') ?? '').split(';')[0]!
    const page = await (await fetch(`${service.url}${sent.headers.get('location')}`, { headers: { Cookie: cookie } })).text()
    t.true(page.includes(`data-complaints-body="${body}">${expected}</p>`), `${force}: codename page`)
    t.deepEqual(bodiesNamed(page.slice(0, page.indexOf('<footer'))), [body], `${force}: codename page`)

    const codename = /id="codename"[^>]*>\s*([a-z -]+?)\s*</.exec(page)?.[1] ?? ''
    const visit = await login(service.url, codename)
    const reports = await (await fetch(`${service.url}/reports`, { headers: { Cookie: visit.cookie } })).text()
    t.true(reports.includes(`data-complaints-body="${body}">${expected}</p>`), `${force}: reports page`)
    t.deepEqual(bodiesNamed(reports.slice(0, reports.indexOf('<footer'))), [body], `${force}: reports page`)
  }
})

test('every reporter page has one "Exit this page" link, to the configured site, before the main content; the landing page explains it', async (t) => {
  const pages = await walkReporterPages(service.url)
  for (const page of pages) {
    const links = [...page.html.matchAll(/<a href="([^"]*)"[^>]*class="govuk-button govuk-button--warning govuk-exit-this-page__button[^"]*"[^>]*rel="nofollow noreferrer">/g)]
    t.is(links.length, 1, page.name)
    t.is(links[0]?.[1], escapeHtml(EXIT_URL), page.name)
    const exitAt = page.html.indexOf('id="exit-this-page"')
    t.true(exitAt > 0 && exitAt < page.html.indexOf('<main'), `${page.name}: before the main content`)
    t.true(page.html.includes(`${translate('en', 'exit.button')}\n</a>`), page.name)
  }
  const landing = pages.find((p) => p.name === 'landing')!
  t.true(landing.html.includes(`<p class="govuk-body" id="exit-explained">${escapeHtml(translate('en', 'start.safety.exit'))}</p>`))
  t.regex(translate('en', 'start.safety.exit'), /New Identity/)
})

test('workspace pages have no "Exit this page"', async (t) => {
  const html = await (await fetch(`${service.reviewUrl}/review/login`)).text()
  t.true(html.includes('<form'))
  t.false(html.includes('govuk-exit-this-page'))
})
