/**
 * A report the service cannot take now (BUSY: no codename can be made for a
 * new reporter, or too many uploads in progress) comes back as the report form
 * with every typed answer in its field, over real HTTP: the text is read, the
 * first chosen file is not (the test never finishes it), nothing is stored, no
 * cookie is set, and the form sent again once the service has room is stored.
 * The same for a logged-in reporter's further information.
 */
import test, { type ExecutionContext } from 'ava'
import { setTimeout as delay } from 'node:timers/promises'
import { readBlob } from '../../src/store/blobs.js'
import { connectControl } from '../../src/store/control.js'
import type { Kv } from '../../src/store/kv.js'
import { getReport } from '../../src/store/records.js'
import { translate } from '../../src/web/i18n.js'
import { getAs, login, postMultipartAs } from '../helpers/reporter.js'
import { startServiceWithGpg, startTestService } from '../helpers/service.js'
import { answerOf, rawUpload, reportBody, type UploadAnswer } from '../helpers/slow-upload.js'
import { postReport, submitReport } from '../helpers/submit.js'
import { escapeHtml } from '../helpers/html.js'

const NASTY = '<script>alert("x")</script> & \'quoted\' — ŵy ŷ 😀 '
// Just under the 100,000-character limit (characters, not bytes: the emoji counts as two code units, one character).
const MESSAGE = ('What happened: ' + NASTY).repeat(Math.floor(99_000 / [...('What happened: ' + NASTY)].length))
const ANSWERS: Record<string, string> = {
  force: 'met',
  category: 'bribery',
  message: MESSAGE,
  role: 'officer',
  duty: 'off',
  setting: 'online',
  'when-month': '3',
  'when-year': '2024',
  'at-risk': 'no',
  anonymity: 'contact',
  contact: 'Ffôn <07700 900123> & "ask for Sam"',
}

async function until (condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!await condition()) await delay(5)
}

async function storedKeys (kv: Kv): Promise<string[]> {
  const out: string[] = []
  for (const space of ['reports', 'reporters', 'pending', 'inbox', 'stats'] as const) for await (const key of kv.keys(space)) out.push(`${space}\n${key}`)
  return out
}

function unescapeHtml (text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, '\'').replace(/&amp;/g, '&')
}

/** The answers a browser would send back from the page: textareas, inputs, the chosen option and checked radios. */
function formValues (html: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of html.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) if (m[2] !== '') out[m[1]!] = unescapeHtml(m[2]!)
  for (const m of html.matchAll(/<input[^>]*>/g)) {
    const tag = m[0]
    const name = /name="([^"]+)"/.exec(tag)?.[1]
    const value = /value="([^"]*)"/.exec(tag)?.[1]
    if (name === undefined || value === undefined || name === 'attachments') continue
    if (/type="radio"/.test(tag) && !/\schecked/.test(tag)) continue
    out[name] = unescapeHtml(value)
  }
  const select = /<select[^>]*name="force"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? ''
  const chosen = /<option value="([^"]*)" selected/.exec(select)?.[1]
  if (chosen !== undefined) out.force = chosen
  return out
}

/** Sends the answers and the start of a file that never ends; resolves with the answer and a way to drop the request. */
function sendWithEndlessFile (url: string, answers: Record<string, string>, path = '/report', cookie?: string): { answer: Promise<UploadAnswer>; drop: () => void } {
  const file = Buffer.alloc(1024 * 1024, 7)
  const body = reportBody(answers, file)
  const req = rawUpload(url, body.length, path, cookie === undefined ? {} : { Cookie: cookie })
  const answer = answerOf(req)
  // Everything up to 1 KiB into the file: the rest never comes.
  req.write(body.subarray(0, body.indexOf(file) + 1024))
  return { answer, drop: () => req.destroy() }
}

function assertBusyForm (t: ExecutionContext, answer: UploadAnswer, locale: 'en' | 'cy'): void {
  t.is(answer.status, 503)
  t.is(answer.headers['retry-after'], '60')
  t.is(answer.headers.connection, 'close')
  t.is(answer.headers['set-cookie'], undefined, 'no cookie')
  t.regex(String(answer.headers['cache-control']), /no-store/)
  for (const key of ['report.busy.title', 'report.busy.body', 'report.busy.files']) t.true(answer.body.includes(escapeHtml(translate(locale, key))), key)
  t.regex(answer.body, /class="govuk-error-summary"/)
  t.regex(answer.body, /href="#attachments"/)
  // Every answer back in its field, escaped.
  t.true(answer.body.includes(`>${escapeHtml(MESSAGE)}</textarea>`), 'the message')
  t.true(answer.body.includes(`>${escapeHtml(ANSWERS.contact!)}</textarea>`), 'the contact details')
  t.false(answer.body.includes('<script>alert'), 'nothing unescaped')
  t.deepEqual(formValues(answer.body), ANSWERS)
}

test('with the new-reporter queue full, a report comes back in its form unread past its text, and is stored once sent again', async (t) => {
  const { service, kv, gpg } = await startServiceWithGpg(t, 'met', { CANDOUR_CODENAME_RESERVE: '0' }, { derivations: { concurrency: 1, maxWaitingLogins: 1, maxWaitingNewReporters: 0 } })

  // The one slot is held and no new reporter may wait: a new reporter is told BUSY.
  let open!: () => void
  const holding = service.derivations.run('login', () => new Promise<void>((resolve) => { open = resolve }))
  await until(() => service.derivations.load.running === 1)
  t.true(service.derivations.full('new-reporter'))
  const before = await storedKeys(kv)

  for (const locale of ['en', 'cy'] as const) {
    const sent = sendWithEndlessFile(service.url, ANSWERS, locale === 'en' ? '/report' : '/cy/report')
    const answer = await sent.answer
    sent.drop()
    assertBusyForm(t, answer, locale)
    t.true(answer.body.includes(`action="${locale === 'en' ? '' : '/cy'}/report"`))
  }
  await until(() => service.uploads.active === 0)
  t.deepEqual(await storedKeys(kv), before, 'nothing stored')

  // Sent again as the page stands, once a codename can be made: one report, its text intact.
  const page = (await sendWithEndlessFile(service.url, ANSWERS).answer).body
  open()
  await holding
  const resent = await postReport(service.url, formValues(page), [{ name: 'evidence.txt', content: Buffer.from('chosen again\n') }])
  t.is(resent.status, 303)
  const ids: string[] = []
  for await (const key of kv.keys('reports')) ids.push(key)
  t.is(ids.length, 1, 'one report')
  const report = await getReport(kv, ids[0]!)
  t.deepEqual(report?.items.map((item) => item.kind).sort(), ['attachment', 'contact', 'report'])
  const plaintext = async (kind: string): Promise<string> => {
    const chunks: Buffer[] = []
    for await (const chunk of readBlob(kv, report!.items.find((i) => i.kind === kind)!.blob)) chunks.push(Buffer.from(chunk))
    return (await gpg.decrypt(Buffer.concat(chunks))).toString('utf8')
  }
  t.true((await plaintext('report')).includes(MESSAGE), 'the message, character for character')
  t.true((await plaintext('contact')).includes(ANSWERS.contact!), 'the contact details')
})

test('past CANDOUR_MAX_UPLOADS the form comes back with its text, for new and logged-in reporters; the token still works', async (t) => {
  const service = await startTestService({ CANDOUR_MAX_UPLOADS: '1' })
  t.teardown(() => service.dispose())
  const kv = await connectControl(service.dataDir)
  t.teardown(() => kv.close())
  const first = await postReport(service.url, { force: 'met', category: 'bribery', message: 'FIRST', anonymity: 'anonymous' })
  const cookie = String(first.headers.get('set-cookie')).split(';')[0]!
  const receipt = await (await fetch(service.url + first.headers.get('location')!, { headers: { Cookie: cookie } })).text()
  const visit = await login(service.url, /id="codename"[^>]*>\s*([a-z -]+?)\s*</.exec(receipt)![1]!)

  // One upload in progress, held open.
  const held = sendWithEndlessFile(service.url, { force: 'met', category: 'bribery', message: 'HELD', anonymity: 'anonymous' })
  await until(() => service.uploads.active === 1)
  const before = await storedKeys(kv)

  const sent = sendWithEndlessFile(service.url, ANSWERS)
  const answer = await sent.answer
  sent.drop()
  assertBusyForm(t, answer, 'en')
  t.false(answer.body.includes('name="csrf"'), 'a new reporter\'s form has no token')
  t.is(service.uploads.active, 1)

  // A logged-in reporter's form comes back with their token.
  const theirs = await postMultipartAs(service.url, visit, '/report', [['csrf', visit.csrf], ...Object.entries(ANSWERS)], [{ name: 'more.txt', content: Buffer.from('more\n') }])
  t.is(theirs.status, 503)
  const page = await theirs.text()
  const values = formValues(page)
  t.is(values.csrf, visit.csrf)
  t.is(values.message, MESSAGE)
  t.deepEqual(await storedKeys(kv), before, 'nothing stored')

  held.drop()
  await until(() => service.uploads.active === 0)
  const resent = await postMultipartAs(service.url, visit, '/report', Object.entries(values), [{ name: 'more.txt', content: Buffer.from('more\n') }])
  t.is(resent.status, 200, 'added under the same codename')
  let reports = 0
  for await (const _ of kv.keys('reports')) reports++
  t.is(reports, 2)
})

test('past CANDOUR_MAX_UPLOADS further information comes back in its form with the message, in English and Welsh; sent again, it is stored once', async (t) => {
  const { service, kv, gpg } = await startServiceWithGpg(t, 'met', { CANDOUR_MAX_UPLOADS: '1' })
  const visit = await login(service.url, await submitReport(service.url, { force: 'met', category: 'bribery', message: 'FIRST', anonymity: 'anonymous' }))
  const reportId = /further\?report=([0-9a-f]{24})/.exec(await (await getAs(service.url, visit, '/reports')).text())![1]!
  const text = `More:\n${NASTY}\nSecond line & <b>bold</b>`
  const fields = { csrf: visit.csrf, report: reportId, message: text }

  // One upload in progress, held open.
  const held = sendWithEndlessFile(service.url, { force: 'met', category: 'bribery', message: 'HELD', anonymity: 'anonymous' })
  await until(() => service.uploads.active === 1)
  const before = await storedKeys(kv)
  const items = (await getReport(kv, reportId))!.items

  let values: Record<string, string> = {}
  for (const locale of ['en', 'cy'] as const) {
    const prefix = locale === 'en' ? '' : '/cy'
    const sent = sendWithEndlessFile(service.url, fields, `${prefix}/further`, visit.cookie)
    const answer = await sent.answer
    sent.drop()
    t.is(answer.status, 503, locale)
    t.is(answer.headers['retry-after'], '60')
    t.is(answer.headers.connection, 'close')
    t.is(answer.headers['set-cookie'], undefined, 'the session is left as it was')
    t.regex(String(answer.headers['cache-control']), /no-store/)
    for (const key of ['report.busy.title', 'further.busy.body', 'report.busy.files']) t.true(answer.body.includes(escapeHtml(translate(locale, key))), `${locale} ${key}`)
    t.true(answer.body.includes(escapeHtml(translate(locale, 'further.title'))), 'the further-information form')
    t.regex(answer.body, /class="govuk-error-summary"/)
    t.regex(answer.body, /href="#attachments"/)
    const form = new RegExp(`<form method="post" action="${prefix}/further"[\\s\\S]*?</form>`).exec(answer.body)?.[0] ?? ''
    t.regex(form, /<input class="govuk-file-upload"[^>]*name="attachments"/, 'files to choose again')
    t.true(form.includes(`>${escapeHtml(text)}</textarea>`), 'the message back in its field, escaped')
    t.false(answer.body.includes('<script>alert') || answer.body.includes('<b>bold'), 'nothing unescaped')
    values = formValues(form)
    t.deepEqual(values, fields, 'token, report and message, exactly')
  }
  t.is(service.uploads.active, 1)
  t.deepEqual(await storedKeys(kv), before, 'nothing stored, nothing pending')
  t.deepEqual((await getReport(kv, reportId))!.items, items)

  // Sent again as the page stands once there is room: the token still works; one item, the text intact.
  held.drop()
  await until(() => service.uploads.active === 0)
  const resent = await postMultipartAs(service.url, visit, '/further', Object.entries(values))
  t.is(resent.status, 303)
  const added = (await getReport(kv, reportId))!.items.slice(items.length)
  t.deepEqual(added.map((item) => item.kind), ['further-information'])
  const chunks: Buffer[] = []
  for await (const chunk of readBlob(kv, added[0]!.blob)) chunks.push(Buffer.from(chunk))
  t.true((await gpg.decrypt(Buffer.concat(chunks))).toString('utf8').includes(text), 'the message, character for character')
})
