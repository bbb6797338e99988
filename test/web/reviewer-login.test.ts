/**
 * The reviewer login over real HTTP, against a real service whose reviewers
 * are made by the real command line: two factors, refusals, the per-account
 * lock, the session cookie, logout, idle expiry, CSRF, and the audit entries.
 */
import test from 'ava'
import { performance } from 'node:perf_hooks'
import { appendAudit, type AuditEntry } from '../../src/domain/audit.js'
import { connectControl } from '../../src/store/control.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { addReviewer, auditLogOf, candour, cookieOf, getAsReviewer, loginReviewer, postFormAsReviewer, postReviewerLogin, totpCode, type ReviewerCredentials } from '../helpers/reviewer.js'

const GENERIC = 'Username, password or code not correct'
const IDLE_MS = 15 * 60 * 1000

// The sessions' clock: real time plus what the idle test adds, so no test waits.
let skipped = 0
let service: TestService

test.before(async () => {
  service = await startTestService({ CANDOUR_COOKIE_SECURE: 'true' }, { reviewer: { sessionClock: () => performance.now() + skipped } })
})
test.after.always(async () => { await service?.dispose() })

async function auditLog (): Promise<AuditEntry[]> {
  const kv = await connectControl(service.dataDir)
  try {
    return await auditLogOf(kv)
  } finally {
    await kv.close()
  }
}

function login (who: ReviewerCredentials, code: string, password = who.password): Promise<Response> {
  return postReviewerLogin(service.reviewUrl, { username: who.username, password, code })
}

async function refusedGenerically (t: import('ava').ExecutionContext, response: Response): Promise<void> {
  t.is(response.status, 400)
  t.is(response.headers.get('set-cookie'), null)
  const html = await response.text()
  t.true(html.includes(GENERIC))
  t.false(html.includes('name="csrf"'))
}

test.serial('a session idle for 15 minutes ends; one used within them lives on', async (t) => {
  const admin = await addReviewer(service.dataDir, 'idle-admin', null)
  const visit = await loginReviewer(service.reviewUrl, admin)
  skipped += IDLE_MS - 60_000
  t.is((await getAsReviewer(service.reviewUrl, visit, '/review/audit')).status, 200, 'used after 14 minutes')
  skipped += IDLE_MS - 60_000
  t.is((await getAsReviewer(service.reviewUrl, visit, '/review/audit')).status, 200, 'idle time counts from the last request')
  skipped += IDLE_MS + 1
  const after = await getAsReviewer(service.reviewUrl, visit, '/review/audit')
  t.is(after.status, 303)
  t.is(after.headers.get('location'), '/review/login?session=ended')
})

test.serial('a session ends 8 hours after login however busy it is (issue 9)', async (t) => {
  const admin = await addReviewer(service.dataDir, 'busy-admin', null)
  const visit = await loginReviewer(service.reviewUrl, admin)
  const step = 14 * 60 * 1000
  let used = 0
  // A request every 14 minutes (never idle) up to just before the eighth hour.
  while (used + step < 8 * 60 * 60 * 1000) {
    skipped += step
    used += step
    t.is((await getAsReviewer(service.reviewUrl, visit, '/review/audit')).status, 200, `after ${used / 60_000} minutes`)
  }
  skipped += 8 * 60 * 60 * 1000 - used
  const after = await getAsReviewer(service.reviewUrl, visit, '/review/audit')
  t.is(after.status, 303)
  t.is(after.headers.get('location'), '/review/login?session=ended')
})

test('a reviewer made by the command logs in with the password and a TOTP code; the cookie is a strict session cookie', async (t) => {
  const who = await addReviewer(service.dataDir, 'kent-login', 'kent')
  t.deepEqual(Object.keys(who).sort(), ['password', 'totpSecret', 'username'])
  t.regex(who.password, /^[a-z-]+( [a-z-]+){6}$/)
  const response = await login(who, totpCode(who.totpSecret))
  t.is(response.status, 303)
  t.is(response.headers.get('location'), '/review/')
  const cookies = response.headers.getSetCookie()
  t.is(cookies.length, 1)
  const parts = cookies[0]!.split(';').map((part) => part.trim())
  t.regex(parts[0]!, /^candour_review=[A-Za-z0-9_-]{43}$/)
  t.deepEqual(parts.slice(1).sort(), ['HttpOnly', 'Path=/review', 'SameSite=Strict', 'Secure'])
  t.false(/expires|max-age/i.test(cookies[0]!))
})

test('a bad password, a bad code and a reused code are refused with one message', async (t) => {
  const who = await addReviewer(service.dataDir, 'kent-refusals', 'kent')
  await refusedGenerically(t, await login(who, totpCode(who.totpSecret), 'wrong words entirely here now and again'))
  const good = totpCode(who.totpSecret)
  const bad = String((Number(good) + 1) % 1_000_000).padStart(6, '0')
  await refusedGenerically(t, await login(who, bad))
  await refusedGenerically(t, await login(who, totpCode(who.totpSecret, 3)))
  t.is((await login(who, good)).status, 303)
  // The same code again, and the one before it: a code accepted once is refused ever after.
  await refusedGenerically(t, await login(who, good))
  await refusedGenerically(t, await login(who, totpCode(who.totpSecret, -1)))
  // An unknown username gets the same answer.
  await refusedGenerically(t, await postReviewerLogin(service.reviewUrl, { username: 'nobody-here', password: who.password, code: totpCode(who.totpSecret) }))
})

test('the sixth attempt within a minute is refused even when right; other accounts are not locked', async (t) => {
  const who = await addReviewer(service.dataDir, 'kent-locked', 'kent')
  const other = await addReviewer(service.dataDir, 'kent-unlocked', 'kent')
  for (let i = 0; i < 5; i++) await refusedGenerically(t, await login(who, totpCode(who.totpSecret), `wrong password ${i}`))
  await refusedGenerically(t, await login(who, totpCode(who.totpSecret)))
  t.is((await login(other, totpCode(other.totpSecret))).status, 303, 'the lock is per account')
  const failures = (await auditLog()).filter((e) => e.actor === 'kent-locked')
  t.deepEqual(failures.map((e) => [e.action, e.detail]), [...Array(5).fill(['login-failed', 'bad-password']), ['login-failed', 'locked']])
})

test('each login gets a fresh session id and ends one presented with it', async (t) => {
  const admin = await addReviewer(service.dataDir, 'fresh-admin', null)
  const first = await loginReviewer(service.reviewUrl, admin)
  const again = await postReviewerLogin(service.reviewUrl, { username: admin.username, password: admin.password, code: totpCode(admin.totpSecret, 1) }, first.cookie)
  t.is(again.status, 303)
  const second = cookieOf(again)
  t.not(second, first.cookie)
  t.is((await getAsReviewer(service.reviewUrl, first, '/review/audit')).status, 303, 'the old session ended')
  t.is((await getAsReviewer(service.reviewUrl, { cookie: second }, '/review/audit')).status, 200)
})

test('logout needs the CSRF token, ends the session and clears the cookie', async (t) => {
  const admin = await addReviewer(service.dataDir, 'logout-admin', null)
  const visit = await loginReviewer(service.reviewUrl, admin)
  const forms: Array<Record<string, string>> = [{}, { csrf: 'x'.repeat(43) }, { csrf: visit.csrf.slice(0, -1) }]
  for (const fields of forms) {
    const refused = await postFormAsReviewer(service.reviewUrl, visit, '/review/logout', fields)
    t.is(refused.status, 403)
    t.true((await refused.text()).includes('<h1'), 'a page in the site\'s style')
  }
  t.is((await getAsReviewer(service.reviewUrl, visit, '/review/audit')).status, 200, 'still logged in')
  const out = await postFormAsReviewer(service.reviewUrl, visit, '/review/logout', { csrf: visit.csrf })
  t.is(out.status, 303)
  t.is(out.headers.get('location'), '/review/login?done=logged-out')
  t.regex(out.headers.get('set-cookie') ?? '', /^candour_review=; Path=\/review; Max-Age=0; HttpOnly; SameSite=Strict/)
  const after = await getAsReviewer(service.reviewUrl, visit, '/review/audit')
  t.is(after.status, 303)
  t.is(after.headers.get('location'), '/review/login?session=ended')
  const log = (await auditLog()).filter((e) => e.actor === 'logout-admin')
  t.deepEqual(log.map((e) => e.action), ['login', 'logout'])
})

test('logins, failed logins and logouts are audited with the date only', async (t) => {
  const who = await addReviewer(service.dataDir, 'audited-admin', null)
  await login(who, totpCode(who.totpSecret), 'not the password at all')
  await postReviewerLogin(service.reviewUrl, { username: 'no-such-person', password: 'x', code: '123456' })
  const visit = await loginReviewer(service.reviewUrl, who)
  await postFormAsReviewer(service.reviewUrl, visit, '/review/logout', { csrf: visit.csrf })
  const log = await auditLog()
  const mine = log.filter((e) => e.actor === 'audited-admin' || e.detail === 'audited-admin')
  t.deepEqual(mine.map((e) => [e.actor, e.action]), [['cli', 'reviewer-add'], ['audited-admin', 'login-failed'], ['audited-admin', 'login'], ['audited-admin', 'logout']])
  t.true(log.some((e) => e.actor === 'unknown' && e.action === 'login-failed'), 'a failed login of no such reviewer is recorded as unknown')
  t.false(log.some((e) => e.actor === 'no-such-person'), 'a name typed that is no reviewer is not kept')
  for (const entry of log) {
    t.regex(entry.date, /^\d{4}-\d{2}-\d{2}$/)
    t.deepEqual(Object.keys(entry).filter((k) => !['seq', 'date', 'actor', 'action', 'report', 'detail', 'prev', 'hash'].includes(k)), [])
  }
})

test('the audit page is for administrators: newest first, with the chain result; others get the not-found page', async (t) => {
  const admin = await addReviewer(service.dataDir, 'page-admin', null)
  const reviewer = await addReviewer(service.dataDir, 'kent-no-audit', 'kent')
  const visit = await loginReviewer(service.reviewUrl, admin)
  const page = await (await getAsReviewer(service.reviewUrl, visit, '/review/audit')).text()
  t.regex(page, /The audit chain is intact: [\d,]+ entries verified\./)
  t.true(page.includes('page-admin, administrator'))
  const rows = [...page.matchAll(/<tr class="govuk-table__row">\s*<th[^>]*>\s*(\d+)\s*<\/th>([\s\S]*?)<\/tr>/g)]
  const seqs = rows.map((row) => Number(row[1]))
  t.true(seqs.length > 0)
  t.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first')
  t.true(rows.some((row) => row[2]!.includes('page-admin') && row[2]!.includes('Logged in')))

  const response = await login(reviewer, totpCode(reviewer.totpSecret))
  const cookie = cookieOf(response)
  const audit = await getAsReviewer(service.reviewUrl, { cookie }, '/review/audit')
  const missing = await getAsReviewer(service.reviewUrl, { cookie }, '/review/no-such-page')
  t.is(audit.status, 404)
  t.is(await audit.text(), await missing.text())
  t.is((await getAsReviewer(service.reviewUrl, { cookie: '' }, '/review/audit')).headers.get('location'), '/review/login?session=ended')
})

test('removing a reviewer or resetting their 2FA with the command ends their session at the next request', async (t) => {
  const removed = await addReviewer(service.dataDir, 'removed-admin', null)
  const reset = await addReviewer(service.dataDir, 'reset-admin', null)
  const visitRemoved = await loginReviewer(service.reviewUrl, removed)
  const visitReset = await loginReviewer(service.reviewUrl, reset)
  await candour(['reviewer', 'remove', '--name', 'removed-admin'], service.dataDir)
  const { stdout } = await candour(['reviewer', 'reset-2fa', '--name', 'reset-admin', '--json'], service.dataDir)
  const { totpSecret } = JSON.parse(stdout) as { totpSecret: string }
  t.is((await getAsReviewer(service.reviewUrl, visitRemoved, '/review/audit')).status, 303)
  t.is((await getAsReviewer(service.reviewUrl, visitReset, '/review/audit')).status, 303)
  await refusedGenerically(t, await login(reset, totpCode(reset.totpSecret, 1)))
  t.is((await login({ ...reset, totpSecret }, totpCode(totpSecret, 1))).status, 303, 'the new secret works')
})

test('a login form missing fields says which, tied to each field, and sets no cookie', async (t) => {
  const response = await postReviewerLogin(service.reviewUrl, { username: '', password: '', code: '' })
  t.is(response.status, 400)
  t.is(response.headers.get('set-cookie'), null)
  const html = await response.text()
  for (const [field, text] of [['username', 'Enter your username'], ['password', 'Enter your password'], ['code', 'Enter the security code']]) {
    t.true(html.includes(`href="#${field}"`), field)
    t.regex(html, new RegExp(`id="${field}-error"[\\s\\S]*?${text}`))
  }
})

test('the audit page goes back through the log 50 entries at a time, without gaps', async (t) => {
  const admin = await addReviewer(service.dataDir, 'paging-admin', null)
  const kv = await connectControl(service.dataDir)
  try {
    for (let i = 0; i < 120; i++) await appendAudit(kv, { actor: 'cli', action: 'status', report: `00aa${i}`, detail: 'assessing' })
  } finally {
    await kv.close()
  }
  const visit = await loginReviewer(service.reviewUrl, admin)
  const seqsOf = (html: string): number[] => [...html.matchAll(/<tr class="govuk-table__row">\s*<th[^>]*>\s*(\d+)\s*<\/th>/g)].map((m) => Number(m[1]))
  const linkOf = (html: string, rel: 'prev' | 'next'): string | undefined => new RegExp(`<a[^>]*href="([^"]+)"[^>]*rel="${rel}"`).exec(html)?.[1]?.replace(/&amp;/g, '&')
  const first = await (await getAsReviewer(service.reviewUrl, visit, '/review/audit')).text()
  const top = seqsOf(first)
  t.is(top.length, 50)
  t.is(linkOf(first, 'prev'), undefined, 'nothing newer than the first page')
  t.deepEqual(top, Array.from({ length: 50 }, (_, i) => top[0]! - i))
  const older = linkOf(first, 'next')
  t.is(older, `/review/audit?from=${top[49]! - 1}`)
  const second = await (await getAsReviewer(service.reviewUrl, visit, older!)).text()
  t.is(seqsOf(second)[0], top[49]! - 1, 'the next page starts where the first ended')
  t.is(linkOf(second, 'prev'), `/review/audit?from=${top[49]! - 1 + 50}`)
  for (const bad of ['?from=x', '?from=-1', '?from=1e3', '?from=1&from=2']) {
    t.is((await getAsReviewer(service.reviewUrl, visit, `/review/audit${bad}`)).status, 404, bad)
  }
})
