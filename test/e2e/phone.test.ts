/**
 * The whole phone path in Chromium with JavaScript off (issue 11): a call
 * handler made by the command line logs in at the workspace's login page,
 * lands on the phone line, takes a report for a force and one for triage,
 * reads each codename from the page; then serves the first caller ringing
 * back: reads the force's reply, adds information, deletes the reply at the
 * caller's request and ends the call.
 */
import test from 'ava'
import type { Browser, Page } from 'playwright-core'
import { translate } from '../../src/web/i18n.js'
import { foreignRequests, navigate, openPage, useServiceAndBrowser } from '../helpers/browser.js'
import { addCallHandler } from '../helpers/call-handler.js'
import { addReviewer, getAsReviewer, loginReviewer, postFormAsReviewer, totpCode } from '../helpers/reviewer.js'
import type { TestService } from '../helpers/service.js'

const say = (key: string, params?: Record<string, string | number>): string => translate('en', key, params)

let service: TestService
let browser: Browser

useServiceAndBrowser(test, (started, launched) => { service = started; browser = launched })

async function takeReport (page: Page, fields: { force: string; message: string; contact?: string }): Promise<string> {
  await navigate(page, () => page.goto(service.reviewUrl + '/intake/'))
  await navigate(page, () => page.click('#new-report'))
  if (!page.url().endsWith('/intake/report')) throw new Error('the new report button did not lead to the form')
  await page.selectOption('#force', fields.force)
  await page.check('#category')
  await page.fill('#message', fields.message)
  await page.check('#role')
  if (fields.contact === undefined) {
    await page.check('#anonymity')
  } else {
    await page.check('#anonymity-2')
    await page.fill('#contact', fields.contact)
  }
  const response = await navigate(page, () => page.click('form[action="/intake/report"] button[type="submit"]'))
  if (response.status() !== 200 || !page.url().endsWith('/intake/sent')) throw new Error(`intake ended on ${page.url()} with ${response.status()}`)
  return ((await page.textContent('#codename')) ?? '').trim()
}

test('a call handler takes reports by phone for a force and for triage, and serves a returning caller', async (t) => {
  const who = await addCallHandler(service.dataDir, 'handler-browser')
  const [kentWho, triageWho] = await Promise.all([addReviewer(service.dataDir, 'kent-phone', 'kent'), addReviewer(service.dataDir, 'triage-phone', 'triage')])
  const { context, page, requests } = await openPage(browser)
  t.teardown(() => context.close())

  await page.goto(service.reviewUrl + '/review/login')
  await page.fill('#username', who.username)
  await page.fill('#password', who.password)
  await page.fill('#code', totpCode(who.totpSecret))
  t.is((await navigate(page, () => page.click('#login-submit'))).status(), 200)
  t.true(page.url().endsWith('/intake/'), 'a call handler lands on the phone line')
  const [cookie] = await context.cookies()
  t.like(cookie, { name: 'candour_review', path: '/intake', httpOnly: true, sameSite: 'Strict', expires: -1 })
  t.true((await page.textContent('#reviewer-nav'))?.includes(say('intake.layout.signedIn', { username: 'handler-browser' })))
  t.is(await page.locator('a[href="/review/"]').count(), 0)

  // The inbox is not there for a handler (and the cookie does not even travel to it).
  const inbox = await navigate(page, () => page.goto(service.reviewUrl + '/review/'))
  t.true(page.url().endsWith('/review/login?session=ended'))
  t.is(inbox.status(), 200)
  await navigate(page, () => page.goto(service.reviewUrl + '/intake/'))

  const codename = await takeReport(page, { force: 'kent', message: 'BROWSER-PHONE the custody officer', contact: 'a safe number' })
  t.regex(codename, /^[a-z-]+( [a-z-]+){6}$/)
  t.true((await page.textContent('#codename-script'))?.includes(say('intake.codename.script.slowly')))
  t.true((await page.textContent('#must-not-write'))?.includes(say('intake.codename.mustNot')))
  // Shown once: reloading shows it no more.
  t.is((await navigate(page, () => page.reload())).status(), 404)
  t.false((await page.content()).includes(codename))

  const triageCodename = await takeReport(page, { force: 'triage', message: 'BROWSER-TRIAGE which force covers the station' })
  t.not(triageCodename, codename)
  t.true((await page.textContent('.govuk-panel'))?.includes(say('intake.codename.panelBodyTriage')))

  // Each report is in its unit's inbox, marked Phone.
  const [kent, triage] = await Promise.all([loginReviewer(service.reviewUrl, kentWho), loginReviewer(service.reviewUrl, triageWho)])
  const kentInbox = await (await getAsReviewer(service.reviewUrl, kent, '/review/')).text()
  const triageInbox = await (await getAsReviewer(service.reviewUrl, triage, '/review/')).text()
  t.regex(kentInbox, /<td class="govuk-table__cell">Phone<\/td>/)
  t.regex(triageInbox, /<td class="govuk-table__cell">Phone<\/td>/)
  const kentId = /\/review\/report\/([0-9a-f]{24})/.exec(kentInbox)![1]!
  t.false(triageInbox.includes(kentId))
  t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${kentId}/reply`, { csrf: kent.csrf, reply: 'BROWSER-REPLY we would like to talk' })).status, 303)

  // The caller rings back and reads out the codename.
  await navigate(page, () => page.goto(service.reviewUrl + '/intake/'))
  await navigate(page, () => page.click('#returning-caller'))
  await page.fill('#codename', codename)
  await navigate(page, () => page.click('form[action="/intake/caller"] button[type="submit"]'))
  t.true(page.url().endsWith('/intake/caller/reports'))
  t.true((await page.textContent('main'))?.includes('BROWSER-REPLY we would like to talk'))
  t.true((await page.textContent('#call-lasts'))?.includes(say('intake.reports.lasts')))

  await navigate(page, () => page.click('a[href^="/intake/caller/further?report="]'))
  await page.fill('#message', 'BROWSER-FURTHER it happened again on Friday')
  await navigate(page, () => page.click('form[action="/intake/caller/further"] button[type="submit"]'))
  t.true((await page.textContent('#notice'))?.includes(say('intake.reports.notice.further-sent')))

  await navigate(page, () => page.click('form[action="/intake/caller/replies/delete"] button'))
  t.true((await page.textContent('#notice'))?.includes(say('intake.reports.notice.reply-deleted')))
  t.false((await page.textContent('main'))?.includes('BROWSER-REPLY'))

  await navigate(page, () => page.click('#end-call'))
  t.true(page.url().endsWith('/intake/?done=call-ended'))
  await navigate(page, () => page.goto(service.reviewUrl + '/intake/caller/reports'))
  t.true(page.url().endsWith('/intake/caller?call=ended'), 'the view lasted one call')

  // The force sees the further information arrive and the reply read and deleted.
  const report = await (await getAsReviewer(service.reviewUrl, kent, `/review/report/${kentId}`)).text()
  t.true(report.includes(say('review.kind.further-information')))

  await navigate(page, () => page.click('#reviewer-logout'))
  t.true(page.url().endsWith('/review/login?done=logged-out'))
  t.is((await context.cookies()).length, 0)
  t.deepEqual(foreignRequests(requests, service.reviewUrl), [])
})
