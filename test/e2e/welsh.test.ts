/**
 * A reporter who reads Welsh, in Chromium with JavaScript off (issue 13): from
 * the English landing page to the Welsh one, a report sent, its codename, a
 * login, the reports page, further information and logging out, every page in
 * Welsh, found by its Welsh labels, and never a step back into English.
 */
import test from 'ava'
import type { Browser, Page } from 'playwright-core'
import { translate } from '../../src/web/i18n.js'
import { navigate, openPage, useServiceAndBrowser, foreignRequests } from '../helpers/browser.js'
import type { TestService } from '../helpers/service.js'

const cy = (key: string, params?: Record<string, string | number>): string => translate('cy', key, params)

let service: TestService
let browser: Browser

useServiceAndBrowser(test, (started, launched) => { service = started; browser = launched })

/** The page is Welsh: lang="cy", under /cy/, and no English footer. */
async function assertWelsh (t: import('ava').ExecutionContext, page: Page, label: string): Promise<void> {
  t.is(await page.getAttribute('html', 'lang'), 'cy', label)
  t.true(new URL(page.url()).pathname.startsWith('/cy/'), `${label}: ${page.url()}`)
  const footer = (await page.textContent('footer')) ?? ''
  t.true(footer.includes(cy('layout.footer.emergency')), label)
  t.false(footer.includes(translate('en', 'layout.footer.emergency')), label)
}

test('send a report and follow it up entirely in Welsh', async (t) => {
  const { context, page, requests } = await openPage(browser)
  t.teardown(() => context.close())

  await page.goto(service.url + '/')
  await navigate(page, () => page.getByRole('link', { name: 'Cymraeg' }).click())
  await assertWelsh(t, page, 'landing')
  await navigate(page, () => page.getByRole('button', { name: cy('start.startButton') }).click())
  await assertWelsh(t, page, 'form')

  // The form by its Welsh labels only.
  await page.getByLabel(cy('report.force.label')).selectOption('north-wales')
  await page.getByLabel(cy('report.category.abuse-of-position.text'), { exact: true }).check()
  await page.getByLabel(cy('report.message.label')).fill('Defnyddiodd swyddog systemau’r heddlu i chwilio am gymydog.')
  await page.getByLabel(cy('report.anonymity.anonymous.text'), { exact: true }).check()
  await navigate(page, () => page.getByRole('button', { name: cy('report.submit') }).click())
  await assertWelsh(t, page, 'codename page')
  t.true((await page.textContent('main'))!.includes(cy('codename.heading')))
  const codename = (await page.textContent('#codename'))!.trim()
  t.regex(codename, /^[a-z-]+( [a-z-]+){6}$/)

  // Back later, through the Welsh login page.
  await page.goto(service.url + '/cy/')
  await navigate(page, () => page.getByRole('link', { name: cy('start.returning.link') }).click())
  await assertWelsh(t, page, 'login')
  await page.getByLabel(cy('login.codename.label')).fill(codename)
  await navigate(page, () => page.getByRole('button', { name: cy('login.submit') }).click())
  await assertWelsh(t, page, 'reports')
  const reports = (await page.textContent('main'))!
  t.true(reports.includes(cy('reports.state.received.tag')))
  t.true(reports.includes(cy('complaints.bodies.iopc')))
  // The date the report came in, written the Welsh way.
  const months = Array.from({ length: 12 }, (_, i) => cy(`dates.months.${i + 1}`))
  t.true(months.some((month) => reports.includes(` ${month} `)))

  await navigate(page, () => page.getByRole('link', { name: cy('reports.addInformation') }).click())
  await assertWelsh(t, page, 'further')
  await page.getByLabel(cy('further.message.label')).fill('Digwyddodd hyn ym mis Mawrth.')
  await navigate(page, () => page.getByRole('button', { name: cy('further.submit') }).click())
  await assertWelsh(t, page, 'reports after further information')
  t.true((await page.textContent('main'))!.includes(cy('reports.notice.furtherSent')))

  await navigate(page, () => page.locator('main').getByRole('button', { name: cy('layout.session.logOut') }).click())
  await assertWelsh(t, page, 'logged out')
  t.true((await page.textContent('main'))!.includes(cy('loggedOut.title')))

  t.deepEqual(foreignRequests(requests, service.url), [])
  // Every page the browser loaded was a Welsh one, after the first English landing page.
  const pages = requests.filter((url) => !url.includes('/static/'))
  t.deepEqual(pages.slice(1).filter((url) => !new URL(url).pathname.startsWith('/cy/')), [])
})
