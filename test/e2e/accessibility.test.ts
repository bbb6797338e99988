/**
 * axe-core with the WCAG 2.2 A and AA rules (issue 13): no violation on any
 * reporter page in English or Welsh, nor on any workspace page (the phone
 * line's too, a returning caller's view and its forms with errors). Each page is
 * the HTML the server sent (walked over real HTTP, forms posted as a browser
 * would), opened in Chromium at its own URL with the server's own stylesheet,
 * so colour contrast is measured on what a reporter sees. The pages hold no
 * script; the browser's JavaScript is on only so that the driver can run axe.
 * Gwent's key expires within 30 days, so the workspace pages carry the key
 * expiry banner (issue 14).
 */
import test from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type { Browser, Page } from 'playwright-core'
import { walkReporterPages } from '../../scripts/bench/page-walk.js'
import { axeViolations, describeViolations } from '../helpers/axe.js'
import { launchChromium } from '../helpers/browser.js'
import { addCallHandler, loginCallHandler, postIntake, takePhoneReport } from '../helpers/call-handler.js'
import { writeExpiringKey } from '../helpers/expiring-key.js'
import { getAs, login, postMultipartAs } from '../helpers/reporter.js'
import { addReviewer, getAsReviewer, loginReviewer, postFormAsReviewer, postReviewerLogin } from '../helpers/reviewer.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { rawUpload, reportBody } from '../helpers/slow-upload.js'
import { submitReport } from '../helpers/submit.js'

let keysDir: string
let service: TestService
let browser: Browser
let page: Page

test.before(async () => {
  keysDir = await mkdtemp(path.join(os.tmpdir(), 'candour-axe-keys-'))
  await writeExpiringKey(keysDir, 'gwent', 20)
  service = await startTestService({ KEYS_DIR: keysDir })
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } })
  page = await context.newPage()
})

test.after.always(async () => {
  await browser?.close()
  await service?.dispose()
  if (keysDir !== undefined) await rm(keysDir, { recursive: true, force: true })
})

/** Opens `html` in the browser as the document at `url` (its stylesheet comes from the server) and runs axe on it. */
async function check (url: string, html: string): Promise<string> {
  await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }))
  try {
    await page.goto(url)
    return describeViolations(await axeViolations(page))
  } finally {
    await page.unroute(url)
  }
}

for (const [language, prefix] of [['English', ''], ['Welsh', '/cy']] as const) {
  test.serial(`every reporter page in ${language} has no WCAG 2.2 A or AA violation`, async (t) => {
    const pages = await walkReporterPages(service.url, { prefix })
    t.true(pages.length >= 15)
    for (const walked of pages) {
      // A page that answered a form is shown at the form's address, as the browser shows it.
      t.is(await check(`${service.url}${walked.path.split('?')[0]}?axe=${walked.name}`, walked.html), '', `${language} ${walked.name}`)
    }
  })
}

test.serial('the report and further-information forms handed back while the service is busy have no WCAG 2.2 A or AA violation, in English and Welsh', async (t) => {
  const busy = await startTestService({ CANDOUR_MAX_UPLOADS: '1' })
  t.teardown(() => busy.dispose())
  const visit = await login(busy.url, await submitReport(busy.url, { force: 'met', category: 'bribery', message: 'Reported first.', anonymity: 'anonymous' }))
  const reportId = /further\?report=([0-9a-f]{24})/.exec(await (await getAs(busy.url, visit, '/reports')).text())![1]!
  // One upload held open: the next is told the service is busy, its text handed back.
  const file = Buffer.alloc(64 * 1024, 1)
  const body = reportBody({ force: 'met', category: 'bribery', message: 'HELD', anonymity: 'anonymous' }, file)
  const held = rawUpload(busy.url, body.length)
  held.write(body.subarray(0, body.indexOf(file) + 1024))
  t.teardown(() => held.destroy())
  while (busy.uploads.active !== 1) await delay(5)
  for (const prefix of ['', '/cy']) {
    const answer = await fetch(`${busy.url}${prefix}/report`, { method: 'POST', headers: { Origin: busy.url }, body: (() => {
      const form = new FormData()
      for (const [name, value] of Object.entries({ force: 'met', category: 'bribery', message: 'Typed <before> & kept', anonymity: 'contact', contact: 'A phone number' })) form.append(name, value)
      form.append('attachments', new Blob([Buffer.from('evidence')]), 'evidence.txt')
      return form
    })() })
    t.is(answer.status, 503)
    // Checked at the main service's address: the stylesheet is the same.
    t.is(await check(`${service.url}${prefix}/report?axe=busy`, await answer.text()), '', `busy form ${prefix || '/'}`)
    const further = await postMultipartAs(busy.url, visit, `${prefix}/further`, [['csrf', visit.csrf], ['report', reportId], ['message', 'More <typed> & kept']], [{ name: 'evidence.txt', content: Buffer.from('evidence') }])
    t.is(further.status, 503)
    t.is(await check(`${service.url}${prefix}/further?axe=busy`, await further.text()), '', `busy further information ${prefix || '/'}`)
  }
})

test.serial('every workspace page has no WCAG 2.2 A or AA violation', async (t) => {
  const base = service.reviewUrl
  await submitReport(service.url, { force: 'gwent', category: 'bribery', message: 'An accessibility check.', anonymity: 'anonymous', 'at-risk': 'yes' })
  const reviewer = await addReviewer(service.dataDir, 'axe-reviewer', 'gwent')
  const admin = await addReviewer(service.dataDir, 'axe-admin', null)
  const html = async (res: Response): Promise<string> => res.text()

  const pages: Array<[string, string, string]> = []
  pages.push(['login', '/review/login', await html(await fetch(`${base}/review/login`))])
  pages.push(['login with errors', '/review/login', await html(await postReviewerLogin(base, { username: '', password: '', code: '' }))])
  const visit = await loginReviewer(base, reviewer)
  const inbox = await html(await getAsReviewer(base, visit, '/review/'))
  pages.push(['inbox', '/review/', inbox])
  t.true(inbox.includes('id="key-expiry"'), 'the key expiry banner is on the pages checked')
  const reportPath = /href="(\/review\/report\/[0-9a-f]+)"/.exec(inbox)?.[1]
  t.truthy(reportPath)
  pages.push(['report', reportPath!, await html(await getAsReviewer(base, visit, reportPath!))])
  pages.push(['report, reply refused', `${reportPath!}/reply`, await html(await postFormAsReviewer(base, visit, `${reportPath!}/reply`, { csrf: visit.csrf, text: '' }))])
  pages.push(['delete confirmation', `${reportPath!}/delete`, await html(await getAsReviewer(base, visit, `${reportPath!}/delete`))])
  pages.push(['statistics', '/review/statistics', await html(await getAsReviewer(base, visit, '/review/statistics'))])
  pages.push(['not found', '/review/report/000000000000000000000000', await html(await getAsReviewer(base, visit, '/review/report/000000000000000000000000'))])
  pages.push(['not found, signed out', '/review/no-such-page', await html(await fetch(`${base}/review/no-such-page`))])
  const adminVisit = await loginReviewer(base, admin, 1)
  pages.push(['administrator inbox', '/review/', await html(await getAsReviewer(base, adminVisit, '/review/'))])
  pages.push(['audit log', '/review/audit', await html(await getAsReviewer(base, adminVisit, '/review/audit'))])
  pages.push(['administrator statistics', '/review/statistics?area=met', await html(await getAsReviewer(base, adminVisit, '/review/statistics?area=met'))])
  // The phone line (issue 11), as a call handler sees it.
  const handler = await loginCallHandler(base, await addCallHandler(service.dataDir, 'axe-handler'))
  pages.push(['phone line', '/intake/', await html(await getAsReviewer(base, handler, '/intake/'))])
  pages.push(['phone report form', '/intake/report', await html(await getAsReviewer(base, handler, '/intake/report'))])
  pages.push(['phone report form with errors', '/intake/report', await html(await postIntake(base, handler, {}))])
  pages.push(['phone codename', '/intake/sent', (await takePhoneReport(base, handler, { force: 'gwent', category: 'bribery', message: 'An accessibility check by phone.', anonymity: 'anonymous', role: 'officer', 'at-risk': 'no' })).page])
  pages.push(['returning caller', '/intake/caller', await html(await getAsReviewer(base, handler, '/intake/caller'))])
  pages.push(['returning caller, call ended', '/intake/caller', await html(await getAsReviewer(base, handler, '/intake/caller?call=ended'))])
  pages.push(['returning caller with errors', '/intake/caller', await html(await postFormAsReviewer(base, handler, '/intake/caller', { csrf: handler.csrf, codename: '' }))])
  // The returning caller's view: their report by phone, with a reply from the force to read out.
  const caller = await takePhoneReport(base, handler, { force: 'gwent', category: 'bribery', message: 'A returning caller for the accessibility check.', anonymity: 'anonymous', role: 'officer', 'at-risk': 'no' })
  t.is((await postFormAsReviewer(base, handler, '/intake/caller', { csrf: handler.csrf, codename: caller.codename })).status, 303)
  const phoneId = /\/intake\/caller\/further\?report=([0-9a-f]+)/.exec(await html(await getAsReviewer(base, handler, '/intake/caller/reports')))?.[1]
  t.truthy(phoneId)
  t.is((await postFormAsReviewer(base, visit, `/review/report/${phoneId!}/reply`, { csrf: visit.csrf, reply: 'Please ring us back.' })).status, 303)
  const callerReports = await html(await getAsReviewer(base, handler, '/intake/caller/reports'))
  t.true(callerReports.includes('Please ring us back.'), 'the caller\'s view shows a reply and its delete button')
  pages.push(['caller reports', '/intake/caller/reports', callerReports])
  pages.push(['caller further information', '/intake/caller/further', await html(await getAsReviewer(base, handler, `/intake/caller/further?report=${phoneId!}`))])
  pages.push(['caller further information with errors', '/intake/caller/further', await html(await postFormAsReviewer(base, handler, '/intake/caller/further', { csrf: handler.csrf, report: phoneId!, message: '' }))])
  t.is((await postFormAsReviewer(base, handler, '/intake/caller/further', { csrf: handler.csrf, report: phoneId!, message: 'More by phone.' })).status, 303)
  pages.push(['caller reports, information sent', '/intake/caller/reports', await html(await getAsReviewer(base, handler, '/intake/caller/reports?done=further-sent'))])
  const replyId = /name="reply" value="([0-9a-f]+)"/.exec(callerReports)?.[1]
  t.is((await postFormAsReviewer(base, handler, '/intake/caller/replies/delete', { csrf: handler.csrf, report: phoneId!, reply: replyId! })).status, 303)
  pages.push(['caller reports, reply deleted', '/intake/caller/reports', await html(await getAsReviewer(base, handler, '/intake/caller/reports?done=reply-deleted'))])

  for (const [name, path, body] of pages) {
    t.true(body.startsWith('<!DOCTYPE html>'), name)
    if (name.endsWith('with errors')) t.true(body.includes('govuk-error-summary'), `${name} shows its errors`)
    t.is(await check(`${base}${path}?axe=${encodeURIComponent(name)}`, body), '', name)
  }
})
