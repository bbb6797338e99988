/**
 * Issue 9, items 1 to 3 on a running service over HTTP: a reviewer removed,
 * given a new password, given a new authenticator secret, or removed and
 * added again under the same name is shut out with the session they had,
 * under every spelling of the inbox, the bundle download and the reply form:
 * upper case, mixed case, doubled and trailing slashes, percent-encoded
 * letters (in the fixed path, where no route matches, and in the report id,
 * which the router decodes and the use case then refuses). Nothing is
 * downloaded, no reply is stored, and nothing is audited in their name.
 */
import test from 'ava'
import type { AuditEntry } from '../../src/domain/audit.js'
import { connectControl } from '../../src/store/control.js'
import { getReport } from '../../src/store/records.js'
import { addReviewer, auditLogOf, candour, loginReviewer, postReviewerLogin, totpCode, type ReviewerCredentials, type ReviewerVisit } from '../helpers/reviewer.js'
import { rawRequest, spellings } from '../helpers/raw-http.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { postReport } from '../helpers/submit.js'

let service: TestService
let reportId: string

test.before(async () => {
  service = await startTestService()
  const sent = await postReport(service.url, { force: 'kent', category: 'bribery', message: 'shut out', anonymity: 'anonymous' })
  if (sent.status !== 303) throw new Error(`report answered ${sent.status}`)
  const probe = await loginReviewer(service.reviewUrl, await addReviewer(service.dataDir, 'kent-probe', 'kent'))
  const inbox = await (await fetch(`${service.reviewUrl}/review/`, { headers: { Cookie: probe.cookie } })).text()
  reportId = /\/review\/report\/([0-9a-f]{24})/.exec(inbox)![1]!
})
test.after.always(async () => { await service?.dispose() })

async function storeState (): Promise<{ replies: number; audit: AuditEntry[] }> {
  const kv = await connectControl(service.dataDir)
  try {
    return { replies: (await getReport(kv, reportId))!.replies.length, audit: await auditLogOf(kv) }
  } finally {
    await kv.close()
  }
}

// The report id with its first letter percent-encoded: the router decodes parameters, so this reaches the handler.
const encodedId = (): string => reportId.replace(/[a-f]/, (letter) => `%${letter.charCodeAt(0).toString(16)}`)

async function shutOut (t: import('ava').ExecutionContext, username: string, visit: ReviewerVisit): Promise<void> {
  const before = await storeState()
  const headers = { Cookie: visit.cookie }
  const reply = `csrf=${encodeURIComponent(visit.csrf)}&reply=${encodeURIComponent(`from ${username}`)}`
  const targets = [
    { method: 'GET', path: '/review/', body: '' },
    { method: 'GET', path: `/review/report/${reportId}/bundle.zip`, body: '' },
    { method: 'POST', path: `/review/report/${reportId}/reply`, body: reply },
  ]
  const fixed = (pattern: string) => (index: number): boolean => pattern.split('/')[index] !== reportId
  // Other spellings first, while the session is still in server memory: no route matches any of them.
  for (const { method, path, body } of targets) {
    for (const spelling of spellings(path, fixed(path))) {
      const answer = await rawRequest(service.reviewUrl, method, spelling, headers, body)
      t.is(answer.status, 404, `${username}: ${method} ${spelling}`)
    }
  }
  // Then spellings that do reach the handlers: the use case reads the account, finds it changed, and ends the session.
  const reached = [
    { method: 'POST', path: `/review/report/${encodedId()}/reply`, body: reply },
    { method: 'GET', path: `/review/report/${encodedId()}/bundle.zip`, body: '' },
    ...targets,
  ]
  for (const { method, path, body } of reached) {
    const answer = await rawRequest(service.reviewUrl, method, path, headers, body)
    t.true(answer.status === 303 || answer.status === 403, `${username}: ${method} ${path} answered ${answer.status}`)
    if (answer.status === 303) t.is(answer.location, '/review/login?session=ended')
    t.false(answer.body.includes('PK'), 'no zip')
  }
  const after = await storeState()
  t.is(after.replies, before.replies, 'no reply stored')
  const theirs = after.audit.slice(before.audit.length).filter((entry) => entry.actor === username)
  t.deepEqual(theirs, [], 'nothing done in their name')
}

async function loggedIn (name: string): Promise<{ who: ReviewerCredentials; visit: ReviewerVisit }> {
  const who = await addReviewer(service.dataDir, name, 'kent')
  const visit = await loginReviewer(service.reviewUrl, who)
  // The session works before the change: the test can fail.
  t0(await rawRequest(service.reviewUrl, 'GET', '/review/', { Cookie: visit.cookie }))
  return { who, visit }
}

function t0 (answer: { status: number }): void {
  if (answer.status !== 200) throw new Error(`the inbox answered ${answer.status} before the change`)
}

test('a removed reviewer is shut out under every spelling', async (t) => {
  const { visit } = await loggedIn('kent-removed')
  await candour(['reviewer', 'remove', '--name', 'kent-removed'], service.dataDir)
  await shutOut(t, 'kent-removed', visit)
})

test('a reviewer removed and added again under the same name: the old session stays shut out, the new account works', async (t) => {
  const { visit } = await loggedIn('kent-readded')
  await candour(['reviewer', 'remove', '--name', 'kent-readded'], service.dataDir)
  const again = await addReviewer(service.dataDir, 'kent-readded', 'kent')
  await shutOut(t, 'kent-readded', visit)
  const fresh = await loginReviewer(service.reviewUrl, again, 1)
  t.is((await rawRequest(service.reviewUrl, 'GET', '/review/', { Cookie: fresh.cookie })).status, 200)
})

test('reset-password prints a new seven-word password once, ends the old sessions, and only the new password logs in', async (t) => {
  const { who, visit } = await loggedIn('kent-newpass')
  const { stdout } = await candour(['reviewer', 'reset-password', '--name', 'kent-newpass', '--json'], service.dataDir)
  const printed = JSON.parse(stdout) as { username: string; password: string }
  t.deepEqual(Object.keys(printed).sort(), ['password', 'username'])
  t.is(printed.password.split(' ').length, 7)
  t.not(printed.password, who.password)
  await shutOut(t, 'kent-newpass', visit)
  t.is((await postReviewerLogin(service.reviewUrl, { username: who.username, password: who.password, code: totpCode(who.totpSecret, 1) })).status, 400, 'the old password is refused')
  t.is((await postReviewerLogin(service.reviewUrl, { username: who.username, password: printed.password, code: totpCode(who.totpSecret, 1) })).status, 303, 'the new one works')
  const human = await candour(['reviewer', 'reset-password', '--name', 'kent-newpass'], service.dataDir)
  t.regex(human.stdout, /^password: (\S+ ){6}\S+$/m)
  t.false(human.stdout.includes(printed.password))
  const audit = (await storeState()).audit.filter((entry) => entry.action === 'reviewer-reset-password')
  t.deepEqual(audit.map((entry) => [entry.actor, entry.detail]), [['cli', 'kent-newpass'], ['cli', 'kent-newpass']])
  const missing = await t.throwsAsync(candour(['reviewer', 'reset-password', '--name', 'no-such-one'], service.dataDir)) as { stderr?: string }
  t.regex(missing.stderr ?? '', /NOT_FOUND/)
})

test('a reviewer whose authenticator was reset is shut out under every spelling', async (t) => {
  const { visit } = await loggedIn('kent-new2fa')
  await candour(['reviewer', 'reset-2fa', '--name', 'kent-new2fa', '--json'], service.dataDir)
  await shutOut(t, 'kent-new2fa', visit)
})
