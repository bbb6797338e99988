/**
 * The workspace's error pages over real HTTP: in the workspace shell, with
 * the signed-in header (username, links, log-out form) and the key expiry
 * banner only for a request with a live session, the account read afresh;
 * an anonymous request, or a session whose account is gone, gets the page
 * without them. Gwent's key expires within 30 days, so its reviewer's pages
 * carry the banner.
 */
import test from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { translate } from '../../src/web/i18n.js'
import { assetPath } from '../../src/web/static-files.js'
import { addCallHandler, loginCallHandler } from '../helpers/call-handler.js'
import { writeExpiringKey } from '../helpers/expiring-key.js'
import { addReviewer, candour, getAsReviewer, loginReviewer } from '../helpers/reviewer.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { submitReport } from '../helpers/submit.js'

let keysDir: string
let service: TestService

test.before(async () => {
  keysDir = await mkdtemp(path.join(os.tmpdir(), 'candour-error-page-keys-'))
  await writeExpiringKey(keysDir, 'gwent', 20)
  service = await startTestService({ KEYS_DIR: keysDir })
})

test.after.always(async () => {
  await service?.dispose()
  if (keysDir !== undefined) await rm(keysDir, { recursive: true, force: true })
})

const notFoundTitle = translate('en', 'errors.page.notFound.title')

/** What every workspace error page has, signed in or not: the workspace's shell, not the reporters'. */
function workspaceShell (html: string): boolean {
  return html.startsWith('<!DOCTYPE html>') && html.includes(`href="${assetPath('workspace.css')}"`) &&
    html.includes(translate('en', 'review.layout.workspace')) && !html.includes('id="exit-this-page"') && !html.includes('id="language-navigation"')
}

test.serial('a signed-in reviewer\'s 404 and 400 pages have their header, log-out form and key expiry banner', async (t) => {
  const reviewer = await addReviewer(service.dataDir, 'gwent-errors', 'gwent')
  await submitReport(service.url, { force: 'kent', category: 'bribery', message: 'Another force\'s report.', anonymity: 'anonymous' })
  const admin = await loginReviewer(service.reviewUrl, await addReviewer(service.dataDir, 'admin-errors', null))
  const kentId = /\/review\/report\/([0-9a-f]{24})/.exec(await (await getAsReviewer(service.reviewUrl, admin, '/review/?force=kent')).text())?.[1]
  t.truthy(kentId)
  const visit = await loginReviewer(service.reviewUrl, reviewer)

  for (const [pathname, status] of [[`/review/report/${kentId!}`, 404], ['/review/no-such-page', 404], ['/review/?status=bogus', 400]] as const) {
    const response = await getAsReviewer(service.reviewUrl, visit, pathname)
    t.is(response.status, status, pathname)
    const html = await response.text()
    t.true(workspaceShell(html), pathname)
    t.true(html.includes('id="reviewer-nav"'), `${pathname}: the signed-in header`)
    t.true(html.includes(translate('en', 'review.layout.signedIn', { username: 'gwent-errors', force: 'Gwent Police' })), `${pathname}: who is signed in`)
    t.regex(html, new RegExp(`<form method="post" action="/review/logout"[^>]*>\\s*<input type="hidden" name="csrf" value="${visit.csrf}">`), `${pathname}: the log-out form`)
    t.true(html.includes('href="/review/statistics"'), pathname)
    t.true(html.includes('id="key-expiry"'), `${pathname}: the key expiry banner`)
    if (status === 404) t.true(html.includes(notFoundTitle), pathname)
    t.true(html.includes('href="/review/">' + translate('en', 'errors.page.back')), `${pathname}: back to the inbox`)
  }
})

test.serial('an anonymous 404 on the workspace listener is the workspace\'s page without a header', async (t) => {
  for (const pathname of ['/review/no-such-page', '/no-such-page']) {
    const response = await fetch(`${service.reviewUrl}${pathname}`, { redirect: 'manual' })
    t.is(response.status, 404, pathname)
    const html = await response.text()
    t.true(workspaceShell(html), pathname)
    t.true(html.includes(notFoundTitle), pathname)
    t.false(html.includes('id="reviewer-nav"'), pathname)
    t.false(html.includes('/logout'), pathname)
    t.false(html.includes('name="csrf"'), pathname)
    t.false(html.includes('id="key-expiry"'), pathname)
  }
})

test.serial('a call handler\'s 404 has the phone line\'s header; a removed account\'s session gets the page without one', async (t) => {
  const handler = await loginCallHandler(service.reviewUrl, await addCallHandler(service.dataDir, 'handler-errors'))
  const response = await getAsReviewer(service.reviewUrl, handler, '/intake/no-such-page')
  t.is(response.status, 404)
  const html = await response.text()
  t.true(html.includes(translate('en', 'intake.layout.signedIn', { username: 'handler-errors' })))
  t.regex(html, /<form method="post" action="\/intake\/logout"/)
  t.true(html.includes('href="/intake/">' + translate('en', 'errors.page.back')), 'back to the phone line')
  t.false(html.includes('id="key-expiry"'), 'a call handler never gets the banner')

  const removed = await loginReviewer(service.reviewUrl, await addReviewer(service.dataDir, 'gwent-removed', 'gwent'))
  await candour(['reviewer', 'remove', '--name', 'gwent-removed'], service.dataDir)
  const gone = await getAsReviewer(service.reviewUrl, removed, '/review/no-such-page')
  t.is(gone.status, 404)
  const goneHtml = await gone.text()
  t.true(workspaceShell(goneHtml))
  t.false(goneHtml.includes('id="reviewer-nav"'))
  t.false(goneHtml.includes('gwent-removed'))
  t.false(goneHtml.includes('id="key-expiry"'))
})
