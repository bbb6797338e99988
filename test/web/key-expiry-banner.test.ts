/**
 * The workspace banner about a unit key that expires within 30 days (issue
 * 14), over real HTTP against a real service, with the Met's key made here
 * to expire 40 days from today and the service's clock injected: no banner
 * before the window; inside it, every page of a Met reviewer shows the date
 * and what the unit must do, an administrator sees the Met listed, a Kent
 * reviewer and a call handler see nothing; past the date it says the key
 * has expired.
 */
import test from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { findForce } from '../../src/domain/forces.js'
import { translate } from '../../src/web/i18n.js'
import { addCallHandler, loginCallHandler } from '../helpers/call-handler.js'
import { writeExpiringKey } from '../helpers/expiring-key.js'
import { addReviewer, getAsReviewer, loginReviewer, type ReviewerVisit } from '../helpers/reviewer.js'
import { startTestService } from '../helpers/service.js'
import { submitReport } from '../helpers/submit.js'

const DAY = 24 * 60 * 60 * 1000
// How nunjucks escapes a message in a page.
const html$ = (key: string, params?: Record<string, string | number>): string => translate('en', key, params).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
// The workspace writes dates out in full, in UTC: "4 March 2026".
const spelled = (date: Date): string => new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(date)

test('a unit key expiring within 30 days: a banner on every page of that force\'s reviewers, a list for administrators, nothing for others', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-banner-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  // The Met's key expires at midnight UTC, 40 days from today; every other force has a demo key that never expires.
  const expiry = await writeExpiringKey(path.join(dir, 'keys'), 'met', 40)

  let offset = 0
  const service = await startTestService({ KEYS_DIR: path.join(dir, 'keys') }, { now: () => new Date(Date.now() + offset) })
  t.teardown(() => service.dispose())
  const [metCredentials, kentCredentials, adminCredentials, handlerCredentials] = await Promise.all([
    addReviewer(service.dataDir, 'met-one', 'met'),
    addReviewer(service.dataDir, 'kent-one', 'kent'),
    addReviewer(service.dataDir, 'admin-one', null),
    addCallHandler(service.dataDir, 'handler-one'),
  ])
  const [met, kent, admin] = await Promise.all([metCredentials, kentCredentials, adminCredentials].map((who) => loginReviewer(service.reviewUrl, who)))
  const handler = await loginCallHandler(service.reviewUrl, handlerCredentials!)
  await submitReport(service.url, { force: 'met', category: 'bribery', message: 'BANNER', anonymity: 'anonymous' })
  const reportId = /\/review\/report\/([0-9a-f]{24})/.exec(await page(met, '/review/'))?.[1]
  t.truthy(reportId)

  async function page (visit: ReviewerVisit, pathname: string): Promise<string> {
    const response = await getAsReviewer(service.reviewUrl, visit, pathname)
    t.is(response.status, 200, pathname)
    return response.text()
  }
  const metPages = (): Array<Promise<string>> => ['/review/', `/review/report/${reportId!}`, `/review/report/${reportId!}/delete`].map((p) => page(met, p))
  const banner = (html: string): boolean => html.includes('id="key-expiry"')
  const metName = findForce('met')!.name
  const date = spelled(expiry)

  // Today the key has 40 days left: outside the window, no banner for anyone.
  for (const html of await Promise.all([...metPages(), page(kent, '/review/'), page(admin, '/review/'), page(admin, '/review/audit'), page(handler, '/intake/')])) t.false(banner(html))

  // Fifteen days on, 25 days are left.
  offset = 15 * DAY
  for (const html of await Promise.all(metPages())) {
    t.true(banner(html))
    t.true(html.includes(html$('review.keyExpiry.expires', { date })), 'the date the key expires, written as the workspace writes dates')
    t.true(html.includes(html$('review.keyExpiry.renew', { force: metName })))
  }
  t.regex(await page(met, '/review/'), /role="region" aria-labelledby="key-expiry-title"/)
  // Another force's reviewer and a call handler see nothing.
  t.false(banner(await page(kent, '/review/')))
  t.false(banner(await page(handler, '/intake/')))
  // An administrator sees the Met in the list, on the inbox and the audit log, and no other force.
  for (const html of await Promise.all([page(admin, '/review/'), page(admin, '/review/audit')])) {
    t.true(banner(html))
    t.true(html.includes(html$('review.keyExpiry.admin.expires', { force: metName, date })))
    const list = html.slice(html.indexOf('id="key-expiry"'))
    t.is(list.slice(0, list.indexOf('</ul>')).match(/<li>/g)?.length, 1)
  }

  // Forty-one days on, the date is past.
  offset = 41 * DAY
  const after = await page(met, '/review/')
  t.true(after.includes(html$('review.keyExpiry.expired', { date })))
  t.true(after.includes(html$('review.keyExpiry.renewExpired', { force: metName })))
  t.false(banner(await page(kent, '/review/')))
})
