/**
 * A report typed by a call handler while the service is too busy to make the
 * caller's codename (issue 11): the codename reserve is off and the one
 * derivation slot and the new-reporter queue (bound 1) are held by the test.
 * The intake form comes back with 503, every answer still in its field,
 * escaped, and the handler's token; nothing is stored or audited. Once the
 * queue frees, sending what the returned form holds stores exactly one report,
 * with the text as typed.
 */
import test from 'ava'
import { setTimeout as delay } from 'node:timers/promises'
import { readBlob } from '../../src/store/blobs.js'
import type { Kv } from '../../src/store/kv.js'
import { getReport } from '../../src/store/records.js'
import { translate } from '../../src/web/i18n.js'
import { addCallHandler, loginCallHandler, postIntake } from '../helpers/call-handler.js'
import { auditLogOf } from '../helpers/reviewer.js'
import { startServiceWithGpg } from '../helpers/service.js'
import { escapeHtml } from '../helpers/html.js'

// Every field of the form, two of them with characters HTML must escape and lines as a handler types them.
const TYPED = {
  force: 'kent',
  category: 'bribery',
  message: 'BUSY-MARKER Sergeant "Smith" <b>took</b> £50 & said \'don\'t tell\'\nsecond line </textarea><script>x</script>',
  role: 'officer',
  duty: 'on',
  setting: 'in-person',
  'when-month': '11',
  'when-year': '2024',
  'at-risk': 'no',
  anonymity: 'contact',
  contact: '07700 900123 <after six> & "weekends" only',
}

const unescape = (text: string): string => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, '\'').replace(/&amp;/g, '&')

async function until (condition: () => boolean): Promise<void> {
  while (!condition()) await delay(5)
}

// The keys a stored or half-stored report would add to.
async function storedKeys (kv: Kv): Promise<string[]> {
  const out: string[] = []
  for (const space of ['reports', 'reporters', 'pending', 'inbox', 'stats'] as const) for await (const key of kv.keys(space)) out.push(`${space}\n${key}`)
  return out
}

function attributes (tag: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of tag.matchAll(/\s([a-z-]+)(?:="([^"]*)")?/g)) out[m[1]!] = unescape(m[2] ?? '')
  return out
}

/** What a browser would send from the intake form as the page stands: text inputs, checked radios, selected options, textareas. */
function formValues (html: string): Record<string, string> {
  const form = /<form method="post" action="\/intake\/report"[\s\S]*?<\/form>/.exec(html)![0]
  const out: Record<string, string> = {}
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const a = attributes(tag)
    if (a.name !== undefined && (a.type !== 'radio' || 'checked' in a)) out[a.name] = a.value ?? ''
  }
  for (const m of form.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) out[attributes(m[1]!).name!] = unescape(m[2]!.replace(/^\n/, ''))
  for (const m of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected>/.exec(m[2]!)
    out[attributes(m[1]!).name!] = selected === null ? '' : unescape(selected[1]!)
  }
  return out
}

async function collect (chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of chunks) parts.push(Buffer.from(chunk))
  return Buffer.concat(parts)
}

test('a phone report sent while the new-reporter queue is full comes back in the form, unstored; sent again, it is stored once', async (t) => {
  const { service, kv, gpg } = await startServiceWithGpg(t, 'kent', { CANDOUR_CODENAME_RESERVE: '0' }, { derivations: { concurrency: 1, maxWaitingLogins: 1, maxWaitingNewReporters: 1 } })
  const handler = await loginCallHandler(service.reviewUrl, await addCallHandler(service.dataDir, 'handler-busy'))

  // The one slot is held and one new reporter waits: the queue is full and the reserve has nothing ready.
  let open!: () => void
  const holding = service.derivations.run('login', () => new Promise<void>((resolve) => { open = resolve }))
  await until(() => service.derivations.load.running === 1)
  const waiting = service.derivations.run('new-reporter', async () => {})
  await until(() => service.derivations.full('new-reporter'))

  const keysBefore = await storedKeys(kv)
  const auditBefore = (await auditLogOf(kv)).length
  const busy = await postIntake(service.reviewUrl, handler, TYPED)
  t.is(busy.status, 503)
  t.is(busy.headers.get('retry-after'), '60')
  t.is(busy.headers.get('cache-control'), 'no-store')
  const page = await busy.text()
  t.true(page.includes(escapeHtml(translate('en', 'intake.report.busy.title'))), 'says the service is busy')
  t.true(page.includes(escapeHtml(translate('en', 'intake.report.busy.body'))), 'says nothing was stored and to send again')
  t.false(page.includes(translate('en', 'errors.page.busy.title')), 'not the generic busy page')
  t.regex(page, new RegExp(`<title>${translate('en', 'layout.errorPrefix')} `), 'the title says something went wrong, for screen reader users')
  t.true(page.includes(`name="csrf" value="${escapeHtml(handler.csrf)}"`), 'the same token, good for sending again')
  // Escaped where it is echoed: nothing the handler typed becomes markup.
  t.true(page.replace(/\r\n/g, '\n').includes(escapeHtml(TYPED.message)))
  t.true(page.includes(escapeHtml(TYPED.contact)))
  t.false(page.includes('<script>x</script>'))
  t.false(page.includes('<after six>'))
  const { csrf, ...kept } = formValues(page)
  t.is(csrf, handler.csrf)
  t.deepEqual({ ...kept, message: kept.message!.replace(/\r\n/g, '\n') }, TYPED, 'every answer is still in its field')

  t.deepEqual(await storedKeys(kv), keysBefore, 'nothing stored, nothing pending')
  t.is((await auditLogOf(kv)).length, auditBefore, 'nothing audited')

  // The queue frees; the handler sends the form as it came back.
  open()
  await Promise.all([holding, waiting])
  await until(() => service.derivations.load.running === 0)
  const sent = await postIntake(service.reviewUrl, { cookie: handler.cookie, csrf: csrf! }, kept)
  t.is(sent.status, 303)
  t.is(sent.headers.get('location'), '/intake/sent')

  const added = (await storedKeys(kv)).filter((key) => !keysBefore.includes(key))
  const reports = added.filter((key) => key.startsWith('reports\n')).map((key) => key.slice('reports\n'.length))
  t.is(reports.length, 1, 'exactly one report')
  t.is(added.filter((key) => key.startsWith('pending\n')).length, 0)
  const audit = (await auditLogOf(kv)).slice(auditBefore)
  t.deepEqual(audit.map((e) => [e.actor, e.action]), [['phone', 'phone-report']])

  const report = (await getReport(kv, reports[0]!))!
  t.is(report.channel, 'phone')
  const texts = await Promise.all(report.items.map(async (item) => [item.kind, (await gpg.decrypt(await collect(readBlob(kv, item.blob)))).toString('utf8')] as const))
  const reportText = texts.find(([kind]) => kind === 'report')![1].replace(/\r\n/g, '\n')
  t.true(reportText.includes(`\nWhat happened:\n${TYPED.message}\n`), 'the text as typed')
  t.true(texts.find(([kind]) => kind === 'contact')![1].includes(TYPED.contact))
})
