/**
 * The returning reporter over real HTTP: log in with the codename, read a reply
 * added by the operator's command, delete it, send further information, make
 * another report, log out; and the boundaries: a wrong or over-long codename,
 * session expiry, cookie flags, CSRF, and one reporter never reaching another's.
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { readBlob } from '../../src/store/blobs.js'
import { connectControl } from '../../src/store/control.js'
import type { Kv } from '../../src/store/kv.js'
import { getReport, getReporter, type ReportRecord } from '../../src/store/records.js'
import { translate } from '../../src/web/i18n.js'
import { gpgHome, type Gpg } from '../helpers/gpg.js'
import { getAs, login, postFormAs, postLogin, postMultipartAs } from '../helpers/reporter.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { submitReport } from '../helpers/submit.js'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '../..')
let service: TestService
let kv: Kv
let gpg: Gpg

test.before(async () => {
  service = await startTestService()
  kv = await connectControl(service.dataDir)
  gpg = await gpgHome()
  for (const force of ['met', 'kent']) await gpg.importKey(path.join(service.dataDir, 'demo-keys', `${force}.secret.asc`))
})

test.after.always(async () => {
  await kv?.close()
  await gpg?.dispose()
  await service?.dispose()
})

const say = (key: string, params?: Record<string, string | number>): string => translate('en', key, params)
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;')

async function newReporter (force = 'met', message = `report ${randomBytes(4).toString('hex')}`): Promise<{ codename: string; reportId: string }> {
  const codename = await submitReport(service.url, { force, category: 'bribery', message, anonymity: 'anonymous' })
  const visit = await login(service.url, codename)
  const page = await (await getAs(service.url, visit, '/reports')).text()
  const reportId = /further\?report=([0-9a-f]{24})/.exec(page)?.[1]
  if (reportId === undefined) throw new Error('no report on the reports page')
  return { codename, reportId }
}

async function replyByCommand (reportId: string, text: string): Promise<void> {
  const file = path.join(service.dataDir, '..', `reply-${randomBytes(4).toString('hex')}.txt`)
  await writeFile(file, text)
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'reply', '--report', reportId, '--text-file', file], { cwd: root, env: { ...process.env, CANDOUR_DEMO: '1', DATA_DIR: service.dataDir, KEYS_DIR: service.keysDir } })
  if (!stdout.includes('reply stored')) throw new Error('reply command failed')
}

async function blobBytes (blobId: string): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of readBlob(kv, blobId)) parts.push(part)
  return Buffer.concat(parts)
}

async function report (id: string): Promise<ReportRecord> {
  const record = await getReport(kv, id)
  if (record === undefined) throw new Error('report missing')
  return record
}

test('log in with the codename (white space and case forgiven), read a reply added by the command, delete it', async (t) => {
  const { codename, reportId } = await newReporter()
  const messy = `  ${codename.toUpperCase().split(' ').join('   \t ')}  `
  const visit = await login(service.url, messy)
  const secret = `Thank you. <b>Can</b> you tell us more? ${randomBytes(4).toString('hex')}\nSecond line`
  await replyByCommand(reportId, secret)

  const page = await (await getAs(service.url, visit, '/reports')).text()
  t.true(page.includes(escape(secret.split('\n')[0]!)), 'the reply is shown, escaped')
  t.false(page.includes('<b>Can</b>'))
  t.true(page.includes('Second line'))
  t.true(page.includes(say('reports.state.received.tag')))
  t.true(page.includes(escape(say('reports.datesSeen'))), 'the reporter is told the force sees the dates of reading and deleting')

  const [reply] = (await report(reportId)).replies
  t.truthy(reply)
  t.is(reply!.read, new Date().toISOString().slice(0, 10), 'the force can see the reply was read')
  const forceCopy = await blobBytes(reply!.forceBlob)
  t.is((await gpg.decrypt(forceCopy)).toString('utf8'), secret + '\n', 'the force copy opens with the force key')
  const reporterBlob = reply!.reporterBlob!

  const deleted = await postFormAs(service.url, visit, '/replies/delete', { csrf: visit.csrf, report: reportId, reply: reply!.id })
  t.is(deleted.status, 303)
  t.is(deleted.headers.get('location'), '/reports?done=reply-deleted')
  const after = await (await getAs(service.url, visit, deleted.headers.get('location')!)).text()
  t.false(after.includes('Second line'))
  t.true(after.includes(say('reports.notice.replyDeleted')))
  const record = await report(reportId)
  t.is(record.replies[0]!.reporterBlob, null)
  t.is(record.replies[0]!.deleted, new Date().toISOString().slice(0, 10))
  t.is((await blobBytes(reporterBlob)).length, 0, 'the reporter copy is gone from the store')
  t.true((await blobBytes(record.replies[0]!.forceBlob)).equals(forceCopy), 'the force copy remains')
})

test('further information with an attachment becomes new items the force decrypts with gpg', async (t) => {
  const { codename, reportId } = await newReporter()
  const visit = await login(service.url, codename)
  const form = await (await getAs(service.url, visit, `/further?report=${reportId}`)).text()
  t.regex(form, /name="csrf"/)
  const marker = `FURTHER-${randomBytes(6).toString('hex')}`
  const file = randomBytes(300_000)
  const sent = await postMultipartAs(service.url, visit, '/further', [['csrf', visit.csrf], ['report', reportId], ['message', marker]], [{ name: 'more évidence.bin', content: file }])
  t.is(sent.status, 303)
  t.is(sent.headers.get('location'), '/reports?done=further-sent')
  const record = await report(reportId)
  const added = record.items.filter((item) => item.followUp === true)
  t.deepEqual(added.map((item) => item.kind), ['further-information', 'attachment'])
  t.true((await gpg.decrypt(await blobBytes(added[0]!.blob))).toString('utf8').includes(marker))
  t.true((await gpg.decrypt(await blobBytes(added[1]!.blob))).equals(file))

  const empty = await postMultipartAs(service.url, visit, '/further', [['csrf', visit.csrf], ['report', reportId], ['message', '  ']])
  t.is(empty.status, 400)
  t.true((await empty.text()).includes('href="#message"'))
  t.is((await report(reportId)).items.length, record.items.length, 'nothing half-stored')
})

// Serial: it counts the shared service's derivations, which the other tests' logins would add to.
test.serial('a wrong codename gets one plain answer; an over-long or malformed one is refused before any derivation', async (t) => {
  const wrong = await postLogin(service.url, 'abacus abdomen abdominal abide abiding ability ablaze')
  t.is(wrong.status, 400)
  const body = await wrong.text()
  t.true(body.includes(say('errors.login.notRecognised')))
  t.is(wrong.headers.get('set-cookie'), null)

  const before = service.derivations.load.started.login
  for (const input of ['abacus '.repeat(30), 'abacus abdomen <script> ability ablaze able abnormal', 'abacus1 abdomen']) {
    const refused = await postLogin(service.url, input)
    t.is(refused.status, 400)
    t.true((await refused.text()).includes(say('errors.login.codenameInvalid')))
  }
  const notWords = await postLogin(service.url, 'these are not seven words of the list')
  t.true((await notWords.text()).includes(say('errors.login.notRecognised')))
  t.is(service.derivations.load.started.login, before, 'no key derivation was done for any of them')
})

test('session cookie: a random id only, HttpOnly, SameSite=Strict, no Expires or Max-Age; logout ends it', async (t) => {
  const { codename } = await newReporter()
  const response = await postLogin(service.url, codename)
  const setCookie = response.headers.get('set-cookie') ?? ''
  t.regex(setCookie, /^candour_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/)
  for (const word of codename.split(' ')) t.false(setCookie.includes(word) && word.length > 4 && setCookie.toLowerCase().includes(`=${word}`))
  const cookie = setCookie.split(';')[0]!
  const page = await (await getAs(service.url, { cookie }, '/reports')).text()
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!

  const noToken = await postFormAs(service.url, { cookie }, '/logout', {})
  t.is(noToken.status, 403)
  const out = await postFormAs(service.url, { cookie }, '/logout', { csrf })
  t.is(out.status, 200)
  t.regex(out.headers.get('set-cookie') ?? '', /^candour_session=; Path=\/; Max-Age=0/)
  t.true((await out.text()).includes(say('loggedOut.title')))
  const after = await getAs(service.url, { cookie }, '/reports')
  t.is(after.status, 303)
  t.is(after.headers.get('location'), '/login?session=ended')
})

test('a session ends after the idle period', async (t) => {
  // The sessions' clock is the test's, so a slow machine cannot end the session early.
  let now = 0
  const quick = await startTestService({}, { reporterSessionClock: () => now })
  t.teardown(() => quick.dispose())
  const codename = await submitReport(quick.url, { force: 'met', category: 'other', message: 'x', anonymity: 'anonymous' })
  const visit = await login(quick.url, codename)
  now += 29 * 60 * 1000
  t.is((await getAs(quick.url, visit, '/reports')).status, 200)
  now += 31 * 60 * 1000
  const expired = await getAs(quick.url, visit, '/reports')
  t.is(expired.status, 303)
  const notice = await (await fetch(quick.url + expired.headers.get('location'))).text()
  t.true(notice.includes(say('login.sessionEnded')))
})

test('one reporter never reaches another\'s reports or replies, even by putting ids in forms', async (t) => {
  const alice = await newReporter('met', 'ALICE-SECRET')
  const bob = await newReporter('kent', 'BOB')
  await replyByCommand(alice.reportId, 'ALICE-REPLY')
  const aliceReply = (await report(alice.reportId)).replies[0]!
  const bobVisit = await login(service.url, bob.codename)

  const page = await (await getAs(service.url, bobVisit, '/reports')).text()
  t.false(page.includes(alice.reportId))
  t.false(page.includes('ALICE-REPLY'))
  t.is((await getAs(service.url, bobVisit, `/further?report=${alice.reportId}`)).status, 404)
  const further = await postMultipartAs(service.url, bobVisit, '/further', [['csrf', bobVisit.csrf], ['report', alice.reportId], ['message', 'intrusion']], [{ name: 'x.bin', content: randomBytes(1000) }])
  t.is(further.status, 404)
  const del = await postFormAs(service.url, bobVisit, '/replies/delete', { csrf: bobVisit.csrf, report: alice.reportId, reply: aliceReply.id })
  t.is(del.status, 404)
  const record = await report(alice.reportId)
  t.is(record.items.length, 1)
  t.not(record.replies[0]!.reporterBlob, null)
  t.is((await report(bob.reportId)).items.length, 1, 'nothing added to Bob\'s own report either')
})

test('a logged-in reporter makes another report under the same codename, to another force', async (t) => {
  const { codename, reportId } = await newReporter('met')
  const visit = await login(service.url, codename)
  const form = await (await getAs(service.url, visit, '/report')).text()
  t.regex(form, /<form[^>]*action="\/report"[^>]*>\s*<input type="hidden" name="csrf"/)
  const refused = await postMultipartAs(service.url, visit, '/report', [['force', 'kent'], ['category', 'other'], ['message', 'second'], ['anonymity', 'anonymous']])
  t.is(refused.status, 403, 'a logged-in reporter\'s report needs the form token')
  const sent = await postMultipartAs(service.url, visit, '/report', [['csrf', visit.csrf], ['force', 'kent'], ['category', 'other'], ['message', 'SECOND-REPORT'], ['anonymity', 'anonymous']])
  t.is(sent.status, 200)
  const body = await sent.text()
  t.false(body.includes('id="codename"'), 'no new codename')
  const reports = await (await getAs(service.url, visit, '/reports')).text()
  const ids = [...reports.matchAll(/further\?report=([0-9a-f]{24})/g)].map((m) => m[1])
  t.is(ids.length, 2)
  t.is(ids[1], reportId, 'newest first')
  const second = await report(ids[0]!)
  t.is(second.force, 'kent')
  t.is(second.reporter, (await report(reportId)).reporter)
  t.deepEqual((await getReporter(kv, second.reporter))?.reports, [reportId, second.id])
  t.true((await gpg.decrypt(await blobBytes(second.items[0]!.blob))).toString('utf8').includes('SECOND-REPORT'))
})

// Issue 9: thirty junk logins a minute used to trip an instance-wide ceiling and lock every reporter out.
test('100 junk logins, well-formed and malformed, never keep the real codename out', async (t) => {
  const codename = await submitReport(service.url, { force: 'met', category: 'other', message: 'x', anonymity: 'anonymous' })
  const words = ['abacus', 'abdomen', 'abdominal', 'abide', 'abiding', 'ability', 'ablaze', 'able', 'abnormal', 'abrasion']
  const junk: string[] = []
  for (let i = 0; i < 100; i++) {
    if (i % 4 === 3) junk.push(i % 8 === 3 ? `abacus${i} abdomen` : 'not seven words')
    // Well-formed: seven words of the list that are nobody's codename.
    else junk.push(Array.from({ length: 7 }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' '))
  }
  for (let i = 0; i < junk.length; i += 10) {
    const answers = await Promise.all(junk.slice(i, i + 10).map((input) => postLogin(service.url, input)))
    for (const answer of answers) {
      t.is(answer.status, 400)
      await answer.arrayBuffer()
    }
  }
  const real = await postLogin(service.url, codename)
  t.is(real.status, 303)
  t.is(real.headers.get('location'), '/reports')
})
