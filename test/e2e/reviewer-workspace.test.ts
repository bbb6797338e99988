/**
 * The reviewer's journey in a real browser with JavaScript off: log in with a
 * password and a TOTP code, open the report from the inbox, download the zip
 * (which GnuPG opens to what the reporter sent), write a reply, start
 * assessing and close the report with an outcome.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { translate } from '../../src/web/i18n.js'
import { unzip } from '../helpers/bundles.js'
import { foreignRequests, navigate, openPage, useServiceAndBrowser } from '../helpers/browser.js'
import { gpgHome } from '../helpers/gpg.js'
import { getAs, login as reporterLogin } from '../helpers/reporter.js'
import { addReviewer, totpCode } from '../helpers/reviewer.js'
import type { TestService } from '../helpers/service.js'
import { submitReport } from '../helpers/submit.js'

const say = (key: string, params?: Record<string, string | number>): string => translate('en', key, params)

// Set to a folder to keep screenshots of the inbox and report pages (for a person to look at).
const SCREENSHOTS = process.env.CANDOUR_E2E_SCREENSHOTS

let service: TestService
let browser: Browser

useServiceAndBrowser(test, (started, launched) => { service = started; browser = launched })

test('a reviewer logs in, opens the report from the inbox, downloads it, replies, and triages it', async (t) => {
  const marker = `E2E-${randomBytes(4).toString('hex')}`
  const codename = await submitReport(service.url, { force: 'north-wales', category: 'sexual-misconduct', message: `An officer ${marker}`, anonymity: 'anonymous', 'at-risk': 'yes' })
  const reviewer = await addReviewer(service.dataDir, 'nw-reviewer', 'north-wales')

  const { context, page, requests } = await openPage(browser)
  t.teardown(() => context.close())
  await page.goto(service.reviewUrl + '/review/')
  t.true(page.url().endsWith('/review/login?session=ended'))
  await page.fill('#username', reviewer.username)
  await page.fill('#password', reviewer.password)
  await page.fill('#code', totpCode(reviewer.totpSecret))
  await navigate(page, () => page.getByRole('button', { name: say('review.login.submit') }).click())
  t.is(new URL(page.url()).pathname, '/review/')

  // The inbox: one urgent, new report.
  const rows = page.locator('#reports tbody tr')
  t.is(await rows.count(), 1)
  const row = (await rows.first().textContent())!
  t.true(row.includes(say('report.category.sexual-misconduct.text')))
  t.true(row.includes(say('review.flags.urgent')))
  t.true(row.includes(say('review.news.report')))
  t.true(row.includes(say('review.status.new')))
  if (SCREENSHOTS !== undefined) await page.screenshot({ path: path.join(SCREENSHOTS, 'reviewer-inbox.png'), fullPage: true })

  await navigate(page, () => rows.first().locator('a').click())
  t.regex(new URL(page.url()).pathname, /^\/review\/report\/[0-9a-f]{24}$/)
  const reportId = new URL(page.url()).pathname.split('/').at(-1)!
  if (SCREENSHOTS !== undefined) await page.screenshot({ path: path.join(SCREENSHOTS, 'reviewer-report.png'), fullPage: true })

  // The download, as the browser saves it, decrypts with GnuPG to the report.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')])
  t.is(download.suggestedFilename(), `candour-${reportId}.zip`)
  const files = await unzip(await readFile((await download.path())!))
  t.deepEqual(files.map((f) => f.name), ['01-report.gpg', 'manifest.json'])
  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  await gpg.importKey(path.join(service.dataDir, 'demo-keys', 'north-wales.secret.asc'))
  t.true((await gpg.decrypt(files[0]!.bytes)).toString('utf8').includes(`An officer ${marker}`))

  // A reply.
  const replyText = `Thank you for your report ${marker}. Is anyone still at risk?`
  await page.getByLabel(say('review.report.reply.label')).fill(replyText)
  await navigate(page, () => page.getByRole('button', { name: say('review.report.reply.submit') }).click())
  t.true((await page.textContent('#notice'))!.includes(say('review.report.notice.reply-sent')))
  t.is(await page.locator('#replies tbody tr').count(), 1)

  // Triage: start assessing, then close with an outcome.
  await navigate(page, () => page.getByRole('button', { name: say('review.report.triage.assess') }).click())
  t.is((await page.textContent('#status'))!.trim(), say('review.status.assessing'))
  await page.getByLabel(say('review.outcome.safeguarding')).check()
  await navigate(page, () => page.getByRole('button', { name: say('review.report.triage.close') }).click())
  t.is((await page.textContent('#status'))!.trim(), say('review.status.closed'))
  t.is((await page.textContent('#outcome'))!.trim(), say('review.outcome.safeguarding'))
  if (SCREENSHOTS !== undefined) await page.screenshot({ path: path.join(SCREENSHOTS, 'reviewer-report-closed.png'), fullPage: true })

  // Back in the inbox, nothing is new any more for this reviewer.
  await navigate(page, () => page.locator('#reviewer-nav a[href="/review/"]').click())
  const after = (await page.locator('#reports tbody tr').first().textContent())!
  t.false(after.includes(say('review.news.report')))
  t.true(after.includes(say('review.status.closed')))

  t.deepEqual(foreignRequests(requests, service.reviewUrl), [])
  t.is(await page.locator('script').count(), 0)

  // The reporter reads the reply, and sees the report closed.
  const visit = await reporterLogin(service.url, codename)
  const reporterPage = await (await getAs(service.url, visit, '/reports')).text()
  t.true(reporterPage.includes(replyText))
  t.true(reporterPage.includes(say('reports.state.closed.tag')))
})
