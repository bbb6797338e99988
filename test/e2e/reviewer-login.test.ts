/**
 * The reviewer login in a real browser with JavaScript off: reviewers made by
 * the command line log in with a TOTP code computed here, reach the workspace,
 * and log out from its header; an administrator reads the audit log there.
 */
import test from 'ava'
import type { Browser, Page } from 'playwright-core'
import { translate } from '../../src/web/i18n.js'
import { foreignRequests, navigate, openPage, useServiceAndBrowser } from '../helpers/browser.js'
import { addReviewer, totpCode, type ReviewerCredentials } from '../helpers/reviewer.js'
import type { TestService } from '../helpers/service.js'

const say = (key: string, params?: Record<string, string | number>): string => translate('en', key, params)

let service: TestService
let browser: Browser

useServiceAndBrowser(test, (started, launched) => { service = started; browser = launched })

async function logIn (page: Page, who: ReviewerCredentials, code: string): Promise<number> {
  await page.goto(service.reviewUrl + '/review/login')
  await page.fill('#username', who.username)
  await page.fill('#password', who.password)
  await page.fill('#code', code)
  return (await navigate(page, () => page.click('#login-submit'))).status()
}

test('a force reviewer logs in with a computed code, reaches the workspace and logs out', async (t) => {
  const who = await addReviewer(service.dataDir, 'kent-browser', 'kent')
  const { context, page, requests } = await openPage(browser)
  t.teardown(() => context.close())

  // A wrong code first: the one message, tied to the form, and no session.
  t.is(await logIn(page, who, String((Number(totpCode(who.totpSecret)) + 500_000) % 1_000_000).padStart(6, '0')), 400)
  t.is((await page.textContent('.govuk-error-summary'))?.includes(say('errors.review.loginFailed')), true)
  t.is(await page.inputValue('#password'), '', 'the password is not put back')
  t.is((await context.cookies()).length, 0)

  t.is(await logIn(page, who, totpCode(who.totpSecret)), 200)
  t.true(page.url().endsWith('/review/'), 'the login lands on the workspace')
  const [cookie] = await context.cookies()
  t.like(cookie, { name: 'candour_review', path: '/review', httpOnly: true, sameSite: 'Strict', expires: -1 })
  // Whatever the inbox shows, the workspace header names the reviewer and their force.
  const header = await page.textContent('#reviewer-nav')
  t.true(header?.includes(say('review.layout.signedIn', { username: 'kent-browser', force: 'Kent Police' })))
  t.is(await page.locator('a[href="/review/audit"]').count(), 0, 'no audit link for a force reviewer')

  await navigate(page, () => page.click('#reviewer-logout'))
  t.true(page.url().endsWith('/review/login?done=logged-out'))
  t.true((await page.textContent('#logged-out'))?.includes(say('review.login.loggedOut')))
  t.is((await context.cookies()).length, 0)
  const after = await navigate(page, () => page.goto(service.reviewUrl + '/review/'))
  t.true(page.url().endsWith('/review/login?session=ended'), 'the workspace is closed again')
  t.is(after.status(), 200)
  t.deepEqual(foreignRequests(requests, service.reviewUrl), [])
})

test('an administrator reads the audit log in the workspace, its own login among the entries', async (t) => {
  const who = await addReviewer(service.dataDir, 'browser-admin', null)
  const { context, page } = await openPage(browser)
  t.teardown(() => context.close())
  await logIn(page, who, totpCode(who.totpSecret))
  t.true(page.url().endsWith('/review/'))
  await navigate(page, () => page.goto(service.reviewUrl + '/review/audit'))
  t.true((await page.textContent('#reviewer-nav'))?.includes(say('review.layout.signedInAdmin', { username: 'browser-admin' })))
  t.regex((await page.textContent('#audit-chain')) ?? '', /The audit chain is intact: \d+ entries verified\./)
  const rows = await page.locator('#audit-entries tbody tr').allTextContents()
  t.true(rows.some((row) => row.includes('browser-admin') && row.includes(say('review.audit.actions.login'))))
  t.true(rows.some((row) => row.includes('cli') && row.includes(say('review.audit.actions.reviewer-add')) && row.includes('browser-admin')))
  await navigate(page, () => page.click('#reviewer-logout'))
  t.true(page.url().endsWith('/review/login?done=logged-out'))
})
