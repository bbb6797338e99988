/**
 * The phone line over real HTTP (issue 11), against a real service (real
 * LevelDB, demo keys for every force and the triage unit) with accounts made
 * by the real command line: a call handler takes reports for a force and for
 * triage, reads the codename once; the reports sit in the right inboxes
 * marked "Phone" and open with GnuPG; a returning caller's replies are read
 * and further information added through the handler's view, which lasts one
 * call; roles stay apart (404 both ways); nothing in DATA_DIR ties the
 * handler's account to a reporter or a report.
 */
import test from 'ava'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { AuditEntry } from '../../src/domain/audit.js'
import { connectControl } from '../../src/store/control.js'
import { SPACES, type Kv } from '../../src/store/kv.js'
import { getReport } from '../../src/store/records.js'
import { unzip } from '../helpers/bundles.js'
import { addCallHandler, loginCallHandler, postIntake, takePhoneReport } from '../helpers/call-handler.js'
import { gpgHome, type Gpg } from '../helpers/gpg.js'
import { getAs, login as reporterLogin, postLogin } from '../helpers/reporter.js'
import { addReviewer, auditLogOf, candour, getAsReviewer, loginReviewer, postFormAsReviewer, totpCode, type ReviewerCredentials, type ReviewerVisit } from '../helpers/reviewer.js'
import { startTestService, type TestService } from '../helpers/service.js'

let service: TestService
let kv: Kv
let gpg: Gpg
let handlerWho: ReviewerCredentials
let handler: ReviewerVisit
let kent: ReviewerVisit
let triage: ReviewerVisit
let admin: ReviewerVisit
let clockOffset = 0

const REPORT = { category: 'bribery', message: 'PHONE-MARKER the desk sergeant takes cash', anonymity: 'contact', contact: 'CONTACT-MARKER safe to call after six', role: 'officer', 'at-risk': 'no' }

test.before(async () => {
  // The workspace's clock can be moved on (a caller's view idles out after 15 minutes; sessions here last an hour).
  service = await startTestService({}, {
    reviewer: { idleMs: 60 * 60_000, sessionClock: () => performance.now() + clockOffset },
  })
  const [h, k, tr, a] = await Promise.all([
    addCallHandler(service.dataDir, 'handler-one'),
    addReviewer(service.dataDir, 'kent-one', 'kent'),
    addReviewer(service.dataDir, 'triage-one', 'triage'),
    addReviewer(service.dataDir, 'admin-one', null),
  ])
  handlerWho = h
  handler = await loginCallHandler(service.reviewUrl, h)
  ;[kent, triage, admin] = await Promise.all([k, tr, a].map((who) => loginReviewer(service.reviewUrl, who)))
  kv = await connectControl(service.dataDir)
  gpg = await gpgHome()
  await gpg.importKey(path.join(service.dataDir, 'demo-keys', 'kent.secret.asc'))
  await gpg.importKey(path.join(service.dataDir, 'demo-keys', 'triage.secret.asc'))
})
test.after.always(async () => {
  await kv?.close()
  await gpg?.dispose()
  await service?.dispose()
})

function reportIdsIn (html: string): string[] {
  return [...html.matchAll(/\/review\/report\/([0-9a-f]{24})/g)].map((m) => m[1]!)
}

test.serial('a call handler account: role call-handler in the list, login lands on the intake with a cookie for /intake only', async (t) => {
  const listed = (await candour(['reviewer', 'list'], service.dataDir)).stdout
  t.true(listed.includes('handler-one\t-\tcall-handler\n'))
  const json = JSON.parse((await candour(['reviewer', 'list', '--json'], service.dataDir)).stdout) as Array<{ username: string; role: string; force: string | null }>
  t.deepEqual(json.find((row) => row.username === 'handler-one'), { username: 'handler-one', force: null, admin: false, role: 'call-handler' })
  // --call-handler with a force or --admin is refused, and nothing is made.
  await t.throwsAsync(candour(['reviewer', 'add', '--call-handler', '--force', 'kent', '--name', 'mixed-one'], service.dataDir))
  await t.throwsAsync(candour(['reviewer', 'add', '--call-handler', '--admin', '--name', 'mixed-two'], service.dataDir))
  t.false((await candour(['reviewer', 'list'], service.dataDir)).stdout.includes('mixed-'))

  const second = await fetch(`${service.reviewUrl}/review/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', Origin: service.reviewUrl },
    body: new URLSearchParams({ username: handlerWho.username, password: handlerWho.password, code: totpCode(handlerWho.totpSecret, 1) }),
  })
  t.is(second.status, 303)
  t.is(second.headers.get('location'), '/intake/')
  t.regex(second.headers.get('set-cookie') ?? '', /^candour_review=[A-Za-z0-9_-]{43}; Path=\/intake; HttpOnly; SameSite=Strict$/)

  const home = await (await getAsReviewer(service.reviewUrl, handler, '/intake/')).text()
  t.true(home.includes('handler-one, call handler'))
  t.true(home.includes('href="/intake/report"'))
  t.false(home.includes('href="/review/"'), 'no link to an inbox')
  t.true(home.includes('action="/intake/logout"'))
})

test.serial('the intake form asks the online questions with the same names, worded for a handler, with no file, name or number field', async (t) => {
  const form = await (await getAsReviewer(service.reviewUrl, handler, '/intake/report')).text()
  for (const name of ['force', 'category', 'message', 'role', 'duty', 'setting', 'when-month', 'when-year', 'at-risk', 'anonymity', 'contact']) {
    t.true(form.includes(`name="${name}"`), name)
  }
  const names = new Set([...form.matchAll(/<(?:input|select|textarea)\b[^>]*\sname="([^"]+)"/g)].map((m) => m[1]))
  t.deepEqual([...names].sort(), ['anonymity', 'at-risk', 'category', 'contact', 'csrf', 'duty', 'force', 'message', 'role', 'setting', 'when-month', 'when-year'].sort())
  t.false(form.includes('type="file"'))
  t.true(form.includes('Which force does the person the caller is reporting belong to?'))
  t.regex(form, /<option value="">Choose a force<\/option>\s*<option value="triage">I do not know which force<\/option>/)

  // The same checks as online: errors come back on the form with the answers kept, nothing stored.
  const before = (await auditLogOf(kv)).length
  const bad = await postIntake(service.reviewUrl, handler, { force: 'kent', category: 'bribery', message: 'KEEP-THIS text', anonymity: 'contact', contact: '' })
  t.is(bad.status, 400)
  const page = await bad.text()
  t.true(page.includes('KEEP-THIS text'))
  t.true(page.includes('href="#contact"'))
  t.is((await auditLogOf(kv)).length, before)
  // An unknown force, and a message over the limit, as online.
  t.true((await (await postIntake(service.reviewUrl, handler, { ...REPORT, force: 'nowhere' })).text()).includes('href="#force"'))
  const long = await postIntake(service.reviewUrl, handler, { ...REPORT, force: 'kent', message: 'x'.repeat(service.config.maxMessageChars + 1) })
  t.is(long.status, 400)
  t.true((await long.text()).includes('href="#message"'))
  // Without the form token, refused.
  const forged = new FormData()
  forged.append('force', 'kent')
  t.is((await fetch(`${service.reviewUrl}/intake/report`, { method: 'POST', body: forged, redirect: 'manual', headers: { Origin: service.reviewUrl, Cookie: handler.cookie } })).status, 403)
})

test.serial('a report by phone for a force and one for triage: codename shown once, in the right inbox as "Phone", opened by gpg', async (t) => {
  const forForce = await takePhoneReport(service.reviewUrl, handler, { ...REPORT, force: 'kent' })
  t.regex(forForce.codename, /^[a-z-]+( [a-z-]+){6}$/)
  t.true(forForce.page.includes('Kent Police'))
  t.true(forForce.page.includes('id="codename-script"'))
  t.true(forForce.page.includes('Read the codename slowly'))
  t.true(forForce.page.includes('read the whole codename back'))
  t.true(forForce.page.includes('Do not write the codename down'))
  // Shown once: the same cookie again gets nothing.
  const again = await fetch(`${service.reviewUrl}/intake/sent`, { headers: { Cookie: `${handler.cookie}; ${forForce.receiptCookie}` }, redirect: 'manual' })
  t.is(again.status, 404)
  t.is(again.headers.get('cache-control'), 'no-store')
  t.false((await again.text()).includes(forForce.codename))

  const forTriage = await takePhoneReport(service.reviewUrl, handler, { ...REPORT, force: 'triage', message: 'TRIAGE-PHONE not sure which force', anonymity: 'anonymous', contact: '' })
  t.true(forTriage.page.includes('triage unit'))

  const kentInbox = await (await getAsReviewer(service.reviewUrl, kent, '/review/')).text()
  const triageInbox = await (await getAsReviewer(service.reviewUrl, triage, '/review/')).text()
  const [kentId] = reportIdsIn(kentInbox)
  const [triageId] = reportIdsIn(triageInbox)
  t.truthy(kentId)
  t.truthy(triageId)
  t.false(kentInbox.includes(triageId!))
  t.regex(kentInbox, /<td class="govuk-table__cell">Phone<\/td>/)
  t.regex(triageInbox, /<td class="govuk-table__cell">Phone<\/td>/)
  t.regex(await (await getAsReviewer(service.reviewUrl, kent, `/review/report/${kentId}`)).text(), /Sent\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*Phone/)
  t.is((await getReport(kv, kentId!))!.channel, 'phone')

  for (const [who, id, marker] of [[kent, kentId!, 'PHONE-MARKER'], [triage, triageId!, 'TRIAGE-PHONE']] as const) {
    const files = await unzip(Buffer.from(await (await getAsReviewer(service.reviewUrl, who, `/review/report/${id}/bundle.zip`)).arrayBuffer()))
    const report = files.find((f) => f.name.endsWith('-report.gpg'))!
    const text = (await gpg.decrypt(report.bytes)).toString('utf8')
    t.true(text.includes(marker))
    t.true(text.includes('Sent: by phone, written down by a call handler'))
  }
  const kentFiles = await unzip(Buffer.from(await (await getAsReviewer(service.reviewUrl, kent, `/review/report/${kentId}/bundle.zip`)).arrayBuffer()))
  t.true((await gpg.decrypt(kentFiles.find((f) => f.name.endsWith('-contact.gpg'))!.bytes)).toString('utf8').includes('CONTACT-MARKER'))

  // The caller's codename works online too, like any reporter's.
  const visit = await reporterLogin(service.url, forForce.codename)
  t.true((await (await getAs(service.url, visit, '/reports')).text()).includes('Kent Police'))

  // A returning caller: the handler reads the reply with its date, adds information, deletes the reply on request.
  t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${kentId}/reply`, { csrf: kent.csrf, reply: 'REPLY-MARKER please call us' })).status, 303)
  const open = await postFormAsReviewer(service.reviewUrl, handler, '/intake/caller', { csrf: handler.csrf, codename: forForce.codename })
  t.is(open.status, 303)
  t.is(open.headers.get('location'), '/intake/caller/reports')
  const view = await (await getAsReviewer(service.reviewUrl, handler, '/intake/caller/reports')).text()
  t.true(view.includes('REPLY-MARKER please call us'))
  t.regex(view, /Reply sent \d{1,2} [A-Z][a-z]+ \d{4}/)
  t.true(view.includes('Received'))
  const replyId = /name="reply" value="([0-9a-f]+)"/.exec(view)![1]!
  t.is((await getAsReviewer(service.reviewUrl, handler, `/intake/caller/further?report=${kentId}`)).status, 200)
  t.is((await getAsReviewer(service.reviewUrl, handler, `/intake/caller/further?report=${triageId}`)).status, 404, 'another caller\'s report is not there')
  const added = await postFormAsReviewer(service.reviewUrl, handler, '/intake/caller/further', { csrf: handler.csrf, report: kentId!, message: 'FURTHER-PHONE the car is a blue estate' })
  t.is(added.status, 303)
  t.is(added.headers.get('location'), '/intake/caller/reports?done=further-sent')
  t.is((await postFormAsReviewer(service.reviewUrl, handler, '/intake/caller/further', { csrf: handler.csrf, report: kentId!, message: '  ' })).status, 400)
  const deleted = await postFormAsReviewer(service.reviewUrl, handler, '/intake/caller/replies/delete', { csrf: handler.csrf, report: kentId!, reply: replyId })
  t.is(deleted.headers.get('location'), '/intake/caller/reports?done=reply-deleted')
  t.false((await (await getAsReviewer(service.reviewUrl, handler, '/intake/caller/reports')).text()).includes('REPLY-MARKER'))

  const record = (await getReport(kv, kentId!))!
  t.not(record.replies[0]!.read, null)
  t.not(record.replies[0]!.deleted, null)
  const withFurther = await unzip(Buffer.from(await (await getAsReviewer(service.reviewUrl, kent, `/review/report/${kentId}/bundle.zip`)).arrayBuffer()))
  const further = (await gpg.decrypt(withFurther.find((f) => f.name.endsWith('-further-information.gpg'))!.bytes)).toString('utf8')
  t.true(further.includes('FURTHER-PHONE the car is a blue estate'))
  t.true(further.includes('Sent: by phone'))

  // Ending the call ends the view: the same session must ask for the codename again.
  t.is((await postFormAsReviewer(service.reviewUrl, handler, '/intake/caller/end', { csrf: handler.csrf })).headers.get('location'), '/intake/?done=call-ended')
  const gone = await getAsReviewer(service.reviewUrl, handler, '/intake/caller/reports')
  t.is(gone.status, 303)
  t.is(gone.headers.get('location'), '/intake/caller?call=ended')
  t.is((await postFormAsReviewer(service.reviewUrl, handler, '/intake/caller/further', { csrf: handler.csrf, report: kentId!, message: 'too late' })).headers.get('location'), '/intake/caller?call=ended')
  // Going to any other intake page ends it too.
  await postFormAsReviewer(service.reviewUrl, handler, '/intake/caller', { csrf: handler.csrf, codename: forForce.codename })
  t.is((await getAsReviewer(service.reviewUrl, handler, '/intake/caller/reports')).status, 200)
  await getAsReviewer(service.reviewUrl, handler, '/intake/report')
  t.is((await getAsReviewer(service.reviewUrl, handler, '/intake/caller/reports')).status, 303)

  // The audit log: the phone report and the follow-up by date, with the actor "phone" and no report.
  const log = await auditLogOf(kv)
  const phone = log.filter((e: AuditEntry) => e.action === 'phone-report' || e.action === 'phone-follow-up')
  t.deepEqual(phone.map((e) => [e.actor, e.action, e.report, e.detail]), [
    ['phone', 'phone-report', undefined, undefined],
    ['phone', 'phone-report', undefined, undefined],
    ['phone', 'phone-follow-up', undefined, undefined],
    ['phone', 'phone-follow-up', undefined, undefined],
  ])
  t.deepEqual([...new Set(log.filter((e) => e.actor === 'handler-one').map((e) => e.action))].sort(), ['login'])
  t.true(log.filter((e) => e.actor === 'handler-one').every((e) => e.report === undefined))

  // Nothing in the store holds the handler's username together with a reporter or report id: every record of
  // every space, key and value, read through the store; and no file under DATA_DIR holds the handler's
  // username inside a record that also names one (LevelDB files put unrelated records side by side, so the
  // raw search looks within each occurrence's own record: the JSON object around it).
  const ids = [kentId!, triageId!, record.reporter, (await getReport(kv, triageId!))!.reporter]
  let records = 0
  for (const space of SPACES) {
    for await (const [key, value] of kv.entries(space)) {
      const text = key + '\u0000' + Buffer.from(value).toString('latin1')
      if (!text.includes('handler-one')) continue
      records++
      for (const id of ids) t.false(text.includes(id), `the handler's username with ${id} in ${space}`)
    }
  }
  t.true(records > 0, 'the account itself is in the store')
  const username = Buffer.from('handler-one')
  for (const entry of await readdir(service.dataDir, { recursive: true, withFileTypes: true })) {
    // Not LevelDB's LOCK: closing any descriptor of it in this process (the server's) would drop the server's lock.
    if (!entry.isFile() || entry.name === 'LOCK') continue
    const content = await readFile(path.join(entry.parentPath, entry.name)).catch(() => undefined)
    if (content === undefined) continue
    for (let at = content.indexOf(username); at !== -1; at = content.indexOf(username, at + 1)) {
      const start = content.lastIndexOf(0x7b, at)
      const end = content.indexOf(0x7d, at)
      const own = content.subarray(start === -1 ? at : start, end === -1 ? at + username.length : end + 1).toString('latin1')
      for (const id of ids) t.false(own.includes(id), `the handler's username with ${id} in ${entry.name}`)
    }
  }
})

test.serial('roles stay apart: a call handler gets 404 on every reviewer and administrator path; reviewers and administrators get 404 on intake', async (t) => {
  const id = reportIdsIn(await (await getAsReviewer(service.reviewUrl, kent, '/review/')).text())[0]!
  for (const pathname of ['/review/', '/review/?force=kent', `/review/report/${id}`, `/review/report/${id}/bundle.zip`, `/review/report/${id}/delete`, '/review/audit']) {
    t.is((await getAsReviewer(service.reviewUrl, handler, pathname)).status, 404, pathname)
  }
  for (const [pathname, fields] of [[`/review/report/${id}/reply`, { reply: 'x' }], [`/review/report/${id}/status`, { status: 'assessing' }], [`/review/report/${id}/delete`, {}]] as const) {
    t.is((await postFormAsReviewer(service.reviewUrl, handler, pathname, { csrf: handler.csrf, ...fields })).status, 404, pathname)
  }
  const transfer = new FormData()
  transfer.append('csrf', handler.csrf)
  transfer.append('to', 'met')
  t.is((await fetch(`${service.reviewUrl}/review/report/${id}/transfer`, { method: 'POST', body: transfer, redirect: 'manual', headers: { Origin: service.reviewUrl, Cookie: handler.cookie } })).status, 404)
  t.is((await getReport(kv, id))!.status, 'new', 'nothing changed')

  for (const who of [kent, triage, admin]) {
    for (const pathname of ['/intake/', '/intake/report', '/intake/sent', '/intake/caller', '/intake/caller/reports', `/intake/caller/further?report=${id}`]) {
      t.is((await getAsReviewer(service.reviewUrl, who, pathname)).status, 404, pathname)
    }
    t.is((await postFormAsReviewer(service.reviewUrl, who, '/intake/caller', { csrf: who.csrf, codename: 'a b c d e f g' })).status, 404)
    t.is((await postIntake(service.reviewUrl, who, { ...REPORT, force: 'kent' })).status, 404)
  }
  // Without a session: the login page, as for the rest of the workspace.
  const anonymous = await fetch(`${service.reviewUrl}/intake/`, { redirect: 'manual' })
  t.is(anonymous.status, 303)
  t.is(anonymous.headers.get('location'), '/review/login?session=ended')
})

test.serial('a returning caller\'s view ends after 15 minutes without a request, the handler\'s session going on', async (t) => {
  const { codename } = await takePhoneReport(service.reviewUrl, handler, { ...REPORT, force: 'kent', anonymity: 'anonymous', contact: '' })
  t.is((await postFormAsReviewer(service.reviewUrl, handler, '/intake/caller', { csrf: handler.csrf, codename })).status, 303)
  clockOffset += 14 * 60_000
  t.is((await getAsReviewer(service.reviewUrl, handler, '/intake/caller/reports')).status, 200, 'still open after 14 minutes idle')
  clockOffset += 15 * 60_000 + 1000
  const ended = await getAsReviewer(service.reviewUrl, handler, '/intake/caller/reports')
  t.is(ended.status, 303)
  t.is(ended.headers.get('location'), '/intake/caller?call=ended')
  const page = await (await getAsReviewer(service.reviewUrl, handler, '/intake/caller?call=ended')).text()
  t.true(page.includes('unused for 15 minutes'))
})

test.serial('codenames read out by phone wait in the same login queue as online logins; junk costs no derivation', async (t) => {
  const before = service.derivations.load.started.login
  // Well-formed but unknown: each one is a derivation in the login queue.
  for (const codename of ['abacus abdomen abdominal abide abiding ability ablaze', 'abacus abdomen abdominal abide abiding ability able']) {
    const response = await postFormAsReviewer(service.reviewUrl, handler, '/intake/caller', { csrf: handler.csrf, codename })
    t.is(response.status, 400)
    t.true((await response.text()).includes('Codename not recognised'))
  }
  t.is(service.derivations.load.started.login, before + 2)
  // Not seven words of the list: refused before any derivation, as online.
  t.is((await postFormAsReviewer(service.reviewUrl, handler, '/intake/caller', { csrf: handler.csrf, codename: 'not a codename at all' })).status, 400)
  t.is(service.derivations.load.started.login, before + 2)
  t.is((await postLogin(service.url, 'abacus abdomen abdominal abide abiding ability abnormal')).status, 400)
  t.is(service.derivations.load.started.login, before + 3, 'the online login uses the same queue')
})

test.serial('a removed call handler is shut out at the next request', async (t) => {
  t.is((await candour(['reviewer', 'remove', '--name', 'handler-one'], service.dataDir)).stdout, 'reviewer handler-one removed\n')
  t.false((await candour(['reviewer', 'list'], service.dataDir)).stdout.includes('handler-one'))
  const response = await getAsReviewer(service.reviewUrl, handler, '/intake/')
  t.is(response.status, 303)
  t.is(response.headers.get('location'), '/review/login?session=ended')
})
