/**
 * The reviewer workspace over real HTTP against a real service (real LevelDB,
 * demo keys for every force), with reviewers made by the real command line:
 * a force's reviewer reaches only its reports; the zip download decrypts with
 * GnuPG to what the reporter sent; a reply reaches the reporter; every status
 * and outcome; a full transfer to another force and refused bundles; and a
 * deletion that leaves none of the report's ciphertext in the store's files.
 */
import test, { type ExecutionContext } from 'ava'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { recipientsFromArmored } from '../../src/crypto/keys.js'
import type { AuditEntry } from '../../src/domain/audit.js'
import { OUTCOMES } from '../../src/domain/triage.js'
import { connectControl } from '../../src/store/control.js'
import type { Kv } from '../../src/store/kv.js'
import { getReport, type ReportRecord } from '../../src/store/records.js'
import { translate } from '../../src/web/i18n.js'
import { SECURITY_HEADERS } from '../../src/web/middleware/security-headers.js'
import { reencryptBundle, unzip, zip, type NamedBytes } from '../helpers/bundles.js'
import { foundInStore } from '../helpers/store-files.js'
import { gpgHome, type Gpg } from '../helpers/gpg.js'
import { getAs, login as reporterLogin } from '../helpers/reporter.js'
import { addReviewer, auditLogOf, getAsReviewer, loginReviewer, postFormAsReviewer, type ReviewerVisit } from '../helpers/reviewer.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { postReport } from '../helpers/submit.js'

const t$ = (key: string, params?: Record<string, string | number>): string => translate('en', key, params)
// How nunjucks escapes a message in a page.
const html$ = (key: string, params?: Record<string, string | number>): string => t$(key, params).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

let service: TestService
let kv: Kv
let gpg: Gpg
let kent: ReviewerVisit
let kent2: ReviewerVisit
let met: ReviewerVisit
let admin: ReviewerVisit

test.before(async () => {
  service = await startTestService()
  const [a, b, c, d] = await Promise.all([
    addReviewer(service.dataDir, 'kent-one', 'kent'),
    addReviewer(service.dataDir, 'kent-two', 'kent'),
    addReviewer(service.dataDir, 'met-one', 'met'),
    addReviewer(service.dataDir, 'admin-one', null),
  ])
  ;[kent, kent2, met, admin] = await Promise.all([a, b, c, d].map((who) => loginReviewer(service.reviewUrl, who)))
  kv = await connectControl(service.dataDir)
  gpg = await gpgHome()
  // GnuPG holds the secret keys of both forces a transfer goes between.
  await gpg.importKey(path.join(service.dataDir, 'demo-keys', 'kent.secret.asc'))
  await gpg.importKey(path.join(service.dataDir, 'demo-keys', 'met.secret.asc'))
})
test.after.always(async () => {
  await kv?.close()
  await gpg?.dispose()
  await service?.dispose()
})

/** Sends a report as a browser would; resolves with its id and the reporter's codename. */
async function send (force: string, message: string, options: { attachment?: Buffer; contact?: string; atRisk?: boolean } = {}): Promise<{ id: string; codename: string }> {
  const fields: Record<string, string> = { force, category: 'abuse-of-position', message, anonymity: options.contact === undefined ? 'anonymous' : 'contact', 'at-risk': options.atRisk === true ? 'yes' : 'no' }
  if (options.contact !== undefined) fields.contact = options.contact
  const response = await postReport(service.url, fields, options.attachment === undefined ? [] : [{ name: 'evidence.bin', content: options.attachment }])
  if (response.status !== 303) throw new Error(`report answered ${response.status}`)
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!
  const page = await (await fetch(`${service.url}${response.headers.get('location')}`, { headers: { Cookie: cookie } })).text()
  const codename = /id="codename"[^>]*>\s*([a-z -]+?)\s*</.exec(page)![1]!
  // The newest report of the force: the one just sent.
  const ids: string[] = []
  for await (const key of kv.keys('by-force', { gt: `${force}!`, lt: `${force}!\uffff` })) ids.push(key.slice(key.lastIndexOf('!') + 1))
  for (const id of ids) {
    const report = await getReport(kv, id)
    if (report !== undefined && report.items.length > 0 && !known.has(id)) { known.add(id); return { id, codename } }
  }
  throw new Error('report not found in the store')
}
const known = new Set<string>()

async function report (id: string): Promise<ReportRecord | undefined> {
  return getReport(kv, id)
}

function auditLog (): Promise<AuditEntry[]> {
  return auditLogOf(kv)
}

let zipLength = 0
async function download (visit: ReviewerVisit, id: string): Promise<{ response: Response; files: NamedBytes[] }> {
  const response = await getAsReviewer(service.reviewUrl, visit, `/review/report/${id}/bundle.zip`)
  const body = Buffer.from(await response.arrayBuffer())
  zipLength = body.length
  return { response, files: response.status === 200 ? await unzip(body) : [] }
}

function file (files: readonly NamedBytes[], name: string): Buffer {
  const found = files.find((f) => f.name === name)
  if (found === undefined) throw new Error(`no ${name} in the zip`)
  return found.bytes
}

async function postTransfer (visit: ReviewerVisit, id: string, to: string, bundle: Buffer): Promise<Response> {
  const form = new FormData()
  form.append('csrf', visit.csrf)
  form.append('to', to)
  form.append('bundle', new Blob([bundle as Uint8Array<ArrayBuffer>]), 'bundle.zip')
  return fetch(`${service.reviewUrl}/review/report/${id}/transfer`, { method: 'POST', body: form, redirect: 'manual', headers: { Origin: service.reviewUrl, Cookie: visit.cookie } })
}

async function pageOf (visit: ReviewerVisit, pathname: string, status = 200, t?: ExecutionContext): Promise<string> {
  const response = await getAsReviewer(service.reviewUrl, visit, pathname)
  if (t !== undefined) t.is(response.status, status, pathname)
  return response.text()
}

test.serial('a reviewer reaches only their own force\'s reports: any other id is 404, the very page of a missing one', async (t) => {
  const own = await send('kent', 'for kent')
  const other = await send('met', 'for met')
  const inbox = await pageOf(kent, '/review/', 200, t)
  t.true(inbox.includes(`/review/report/${own.id}`))
  t.false(inbox.includes(other.id))
  t.true((await pageOf(met, '/review/', 200, t)).includes(`/review/report/${other.id}`))

  const missing = 'ab'.repeat(12)
  const notFound = await getAsReviewer(service.reviewUrl, kent, `/review/report/${missing}`)
  t.is(notFound.status, 404)
  const notFoundPage = await notFound.text()
  for (const suffix of ['', '/bundle.zip', '/delete']) {
    const response = await getAsReviewer(service.reviewUrl, kent, `/review/report/${other.id}${suffix}`)
    t.is(response.status, 404, suffix)
    t.is(await response.text(), notFoundPage, `same page for ${suffix}`)
  }
  // Forms naming another force's report, with a valid token: 404 and nothing changed.
  const before = JSON.stringify(await report(other.id))
  for (const [action, fields] of [['reply', { reply: 'not yours' }], ['status', { status: 'assessing' }], ['delete', { confirm: 'yes' }]] as const) {
    const response = await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${other.id}/${action}`, { csrf: kent.csrf, ...fields })
    t.is(response.status, 404, action)
    t.is(await response.text(), notFoundPage, action)
  }
  t.is((await postTransfer(kent, other.id, 'essex', Buffer.from('PK'))).status, 404)
  t.is(JSON.stringify(await report(other.id)), before)

  // Without a session: the login page for a GET, a refusal for a form; with a wrong token, a refusal.
  const anonymous = await fetch(`${service.reviewUrl}/review/report/${own.id}`, { redirect: 'manual' })
  t.is(anonymous.status, 303)
  t.is(anonymous.headers.get('location'), '/review/login?session=ended')
  t.is((await postFormAsReviewer(service.reviewUrl, { cookie: '' }, `/review/report/${own.id}/reply`, { reply: 'x' })).status, 403)
  t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${own.id}/reply`, { csrf: met.csrf, reply: 'x' })).status, 403)
  t.is((await report(own.id))!.replies.length, 0)
})

test.serial('an administrator sees every force\'s metadata and reads no report', async (t) => {
  const sent = await send('met', 'admin cannot read this')
  t.true((await pageOf(admin, '/review/', 200, t)).includes(html$('review.inbox.chooseForce')))
  t.true((await pageOf(admin, '/review/?force=met', 200, t)).includes(`/review/report/${sent.id}`))
  const page = await pageOf(admin, `/review/report/${sent.id}`, 200, t)
  t.true(page.includes(sent.id))
  t.false(page.includes('bundle.zip'))
  t.deepEqual([...page.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1]), ['/review/logout'])
  t.is((await getAsReviewer(service.reviewUrl, admin, `/review/report/${sent.id}/bundle.zip`)).status, 404)
  t.is((await postFormAsReviewer(service.reviewUrl, admin, `/review/report/${sent.id}/reply`, { csrf: admin.csrf, reply: 'x' })).status, 404)
  t.is((await postFormAsReviewer(service.reviewUrl, admin, `/review/report/${sent.id}/status`, { csrf: admin.csrf, status: 'assessing' })).status, 404)
  t.is((await postFormAsReviewer(service.reviewUrl, admin, `/review/report/${sent.id}/delete`, { csrf: admin.csrf, confirm: 'yes' })).status, 404)
  t.is((await getAsReviewer(service.reviewUrl, admin, `/review/report/${sent.id}/delete`)).status, 404)
  t.is((await postTransfer(admin, sent.id, 'kent', Buffer.from('PK'))).status, 404)
  t.like(await report(sent.id), { status: 'new', replies: [] })
  t.false((await auditLog()).some((e) => e.actor === 'admin-one' && e.action === 'download'))
})

test.serial('the zip is streamed with the security headers, holds every item and reply, and GnuPG opens it to what was sent', async (t) => {
  const attachment = randomBytes(300_000)
  const marker = `DOWNLOAD-${randomBytes(4).toString('hex')}`
  const sent = await send('kent', marker, { attachment, contact: 'phone 0123', atRisk: true })
  t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/reply`, { csrf: kent.csrf, reply: `reply to ${marker}` })).status, 303)

  const newFlag = 'data-flag="new-report"'
  const rowOf = (html: string): string => html.split('candour-inbox__row').find((row) => row.includes(sent.id)) ?? ''
  t.true(rowOf(await pageOf(kent, '/review/')).includes(newFlag))
  const { response, files } = await download(kent, sent.id)
  t.is(response.status, 200)
  t.is(response.headers.get('content-type'), 'application/zip')
  t.is(response.headers.get('content-disposition'), `attachment; filename="candour-${sent.id}.zip"`)
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) t.is(response.headers.get(name), value, name)
  t.is(response.headers.get('date'), null)
  t.deepEqual(files.map((f) => f.name), ['01-report.gpg', '02-contact.gpg', '03-attachment.gpg', '04-reply.gpg', 'manifest.json'])
  t.is(Number(response.headers.get('content-length')), zipLength)
  // Stored, dated the day received at 00:00:00, with no Info-ZIP timestamp: no time of day in the zip.
  const [year, month, day] = (await report(sent.id))!.received.split('-').map(Number) as [number, number, number]
  for (const f of files) t.deepEqual(f.zip, { dosDate: ((year - 1980) << 9) | (month << 5) | day, dosTime: 0, extraIds: [], method: 0 }, f.name)
  const manifest = JSON.parse(file(files, 'manifest.json').toString('utf8')) as { id: string; force: string; urgent: boolean; items: unknown[]; replies: Array<{ file: string; kind: string }> }
  t.like(manifest, { id: sent.id, force: 'kent', urgent: true })
  t.is(manifest.items.length, 3)
  t.like(manifest.replies, [{ file: '04-reply.gpg', kind: 'reply' }])
  t.true((await gpg.decrypt(file(files, '01-report.gpg'))).toString('utf8').includes(marker))
  t.true((await gpg.decrypt(file(files, '02-contact.gpg'))).toString('utf8').includes('phone 0123'))
  t.true((await gpg.decrypt(file(files, '03-attachment.gpg'))).equals(attachment))
  t.is((await gpg.decrypt(file(files, '04-reply.gpg'))).toString('utf8'), `reply to ${marker}\n`)

  // Seen by this reviewer, still new for the other; the download is in the audit log.
  t.false(rowOf(await pageOf(kent, '/review/')).includes(newFlag))
  t.true(rowOf(await pageOf(kent2, '/review/')).includes(newFlag))
  t.true((await auditLog()).some((e) => e.actor === 'kent-one' && e.action === 'download' && e.report === sent.id))
  t.is((await fetch(`${service.reviewUrl}/review/report/${sent.id}/bundle.zip`, { method: 'HEAD', headers: { Cookie: kent.cookie } })).status, 405)
})

test.serial('a reply from the form reaches the reporter\'s page; an empty one is refused on the form', async (t) => {
  const sent = await send('kent', 'please reply')
  const text = `We have your report <b>${randomBytes(3).toString('hex')}</b>`
  const empty = await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/reply`, { csrf: kent.csrf, reply: '   ' })
  t.is(empty.status, 400)
  t.true((await empty.text()).includes(html$('review.report.errors.replyMissing')))
  const response = await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/reply`, { csrf: kent.csrf, reply: text })
  t.is(response.status, 303)
  t.is(response.headers.get('location'), `/review/report/${sent.id}?done=reply-sent`)
  t.true((await pageOf(kent, `/review/report/${sent.id}?done=reply-sent`)).includes(html$('review.report.notice.reply-sent')))

  const visit = await reporterLogin(service.url, sent.codename)
  const reporterPage = await (await getAs(service.url, visit, '/reports')).text()
  t.true(reporterPage.includes(text.replace('<b>', '&lt;b&gt;').replace('</b>', '&lt;/b&gt;')))
  // The reviewer sees that the reporter read it.
  const after = await pageOf(kent, `/review/report/${sent.id}`)
  t.false(after.includes(html$('review.report.replies.notRead')))
  t.true((await auditLog()).some((e) => e.actor === 'kent-one' && e.action === 'reply' && e.report === sent.id))
})

test.serial('every status and every outcome, each mapped to what the reporter sees, each in the audit log', async (t) => {
  for (const outcome of OUTCOMES) {
    const sent = await send('kent', `status ${outcome}`)
    const visit = await reporterLogin(service.url, sent.codename)
    const reporterSees = async (): Promise<string> => (await getAs(service.url, visit, '/reports')).text()
    t.true((await reporterSees()).includes(html$('reports.state.received.tag')))

    // new -> closed is not a move; closing needs an outcome.
    const skip = await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/status`, { csrf: kent.csrf, status: 'closed', outcome })
    t.is(skip.status, 400)
    t.true((await skip.text()).includes(html$('review.report.errors.statusMoved')))
    t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/status`, { csrf: kent.csrf, status: 'assessing' })).status, 303)
    t.is((await report(sent.id))!.status, 'assessing')
    t.true((await reporterSees()).includes(html$('reports.state.assessing.tag')))
    const bare = await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/status`, { csrf: kent.csrf, status: 'closed' })
    t.is(bare.status, 400)
    t.true((await bare.text()).includes(html$('review.report.errors.outcomeMissing')))
    t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/status`, { csrf: kent.csrf, status: 'closed', outcome })).status, 303)
    t.like(await report(sent.id), { status: 'closed', outcome })
    const page = await pageOf(kent, `/review/report/${sent.id}`)
    t.true(page.includes(html$(`review.outcome.${outcome}`)))
    const seen = await reporterSees()
    t.true(seen.includes(html$('reports.state.closed.tag')))
    t.false(seen.includes(html$(`review.outcome.${outcome}`)), 'the outcome stays with the force')
    const entries = (await auditLog()).filter((e) => e.action === 'status' && e.report === sent.id).map((e) => e.detail)
    t.deepEqual(entries, ['assessing', `closed-${outcome}`])
  }
  // Reopening clears the outcome.
  const sent = await send('kent', 'reopen')
  for (const fields of [{ status: 'assessing' }, { status: 'closed', outcome: 'intelligence' }, { status: 'assessing' }] as Array<Record<string, string>>) {
    t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/status`, { csrf: kent.csrf, ...fields })).status, 303)
  }
  const reopened = (await report(sent.id))!
  t.is(reopened.status, 'assessing')
  t.is(reopened.outcome, undefined)
  t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/status`, { csrf: kent.csrf, status: 'new' })).status, 400)
  t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/status`, { csrf: kent.csrf, status: 'assessing', outcome: 'intelligence' })).status, 400)
})

test.serial('a full transfer: the new force reads every item, the old one gets 404, the reporter reads replies from both', async (t) => {
  const attachment = randomBytes(200_000)
  const sent = await send('kent', 'belongs to the met', { attachment })
  t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/reply`, { csrf: kent.csrf, reply: 'kent reply' })).status, 303)
  const before = (await report(sent.id))!

  // The offline machine: decrypt with kent's key, encrypt to met's public key, zip.
  const { files } = await download(kent, sent.id)
  const kentSecret = await readFile(path.join(service.dataDir, 'demo-keys', 'kent.secret.asc'), 'utf8')
  const metKeys = await recipientsFromArmored(await readFile(path.join(service.dataDir, 'demo-keys', 'met.secret.asc'), 'utf8'))
  const bundle = await zip(await reencryptBundle(files, kentSecret, metKeys))
  const response = await postTransfer(kent, sent.id, 'met', bundle)
  t.is(response.status, 303)
  t.is(response.headers.get('location'), '/review/?done=transferred')

  t.is((await getAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}`)).status, 404)
  t.false((await pageOf(kent, '/review/')).includes(sent.id))
  const metInbox = await pageOf(met, '/review/')
  const row = metInbox.split('candour-inbox__row').find((r) => r.includes(sent.id))!
  t.true(row.includes('data-flag="transferred"'))
  t.true(row.includes(html$('review.flags.transferredIn', { force: 'Kent Police' })))
  t.like(await report(sent.id), { force: 'met', transferredFrom: 'kent', status: 'new' })

  const moved = await download(met, sent.id)
  t.deepEqual(moved.files.map((f) => f.name), ['01-report.gpg', '02-attachment.gpg', '03-reply.gpg', 'manifest.json'])
  t.true((await gpg.decrypt(file(moved.files, '01-report.gpg'))).toString('utf8').includes('belongs to the met'))
  t.true((await gpg.decrypt(file(moved.files, '02-attachment.gpg'))).equals(attachment))
  t.is((await gpg.decrypt(file(moved.files, '03-reply.gpg'))).toString('utf8'), 'kent reply\n')
  for (const item of moved.files.filter((f) => f.name.endsWith('.gpg'))) {
    const listing = await listPackets(item.bytes)
    t.true(metKeys.encryptionKeyIds.every((id) => listing.includes(id.toLowerCase()) || listing.includes(id)), item.name)
  }
  for (const item of before.items) t.is(await firstKey(item.blob), undefined, 'the old ciphertext is gone')

  t.is((await postFormAsReviewer(service.reviewUrl, met, `/review/report/${sent.id}/reply`, { csrf: met.csrf, reply: 'met reply' })).status, 303)
  const visit = await reporterLogin(service.url, sent.codename)
  const reporterPage = await (await getAs(service.url, visit, '/reports')).text()
  t.true(reporterPage.includes('Metropolitan Police Service'))
  t.true(reporterPage.includes('kent reply'))
  t.true(reporterPage.includes('met reply'))
  t.true((await auditLog()).some((e) => e.actor === 'kent-one' && e.action === 'transfer' && e.report === sent.id && e.detail === 'met'))
})

test.serial('a transfer bundle with a missing item or the wrong keys is refused on the form, nothing changed', async (t) => {
  const sent = await send('kent', 'stays with kent', { attachment: randomBytes(50_000) })
  const { files } = await download(kent, sent.id)
  const kentSecret = await readFile(path.join(service.dataDir, 'demo-keys', 'kent.secret.asc'), 'utf8')
  const metKeys = await recipientsFromArmored(await readFile(path.join(service.dataDir, 'demo-keys', 'met.secret.asc'), 'utf8'))
  const essexKeys = await recipientsFromArmored(await readFile(path.join(service.dataDir, 'demo-keys', 'essex.secret.asc'), 'utf8'))
  const good = await reencryptBundle(files, kentSecret, metKeys)
  const before = JSON.stringify(await report(sent.id))
  const cases: Array<[string, Buffer, string, string]> = [
    ['missing item', await zip(good.filter((f) => f.name !== '02-attachment.gpg')), 'met', 'review.transfer.errors.missingItem'],
    ['wrong keys', await zip(await reencryptBundle(files, kentSecret, essexKeys)), 'met', 'review.transfer.errors.wrongRecipients'],
    ['not re-encrypted', await zip(files), 'met', 'review.transfer.errors.wrongRecipients'],
    ['not a zip', randomBytes(2000), 'met', 'review.transfer.errors.notZip'],
    ['no force chosen', await zip(good), '', 'review.transfer.errors.toMissing'],
    ['own force', await zip(good), 'kent', 'review.transfer.errors.toSame'],
  ]
  for (const [name, bundle, to, key] of cases) {
    const response = await postTransfer(kent, sent.id, to, bundle)
    t.is(response.status, 400, name)
    const html = await response.text()
    t.true(html.includes(html$(key)), name)
    t.regex(html, /govuk-error-summary/, name)
    t.is(JSON.stringify(await report(sent.id)), before, name)
  }
  for await (const key of kv.keys('pending')) t.fail(`left pending: ${key}`)
  t.false((await auditLog()).some((e) => e.action === 'transfer' && e.report === sent.id))
})

test.serial('deletion, after a confirmation step, leaves none of the report\'s ciphertext in the store\'s files', async (t) => {
  const sent = await send('kent', 'delete me', { attachment: randomBytes(400_000) })
  t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/reply`, { csrf: kent.csrf, reply: 'a reply to delete' })).status, 303)
  const stored = (await report(sent.id))!
  const blobs = [...stored.items.map((i) => i.blob), ...stored.replies.flatMap((r) => [r.forceBlob, r.reporterBlob!])]
  const slices: Buffer[] = []
  for (const blob of blobs) {
    const bytes = await blobBytes(blob)
    t.true(bytes.length > 128)
    slices.push(bytes.subarray(0, 64), bytes.subarray(bytes.length - 64))
  }
  const confirm = await pageOf(kent, `/review/report/${sent.id}/delete`, 200, t)
  t.true(confirm.includes(html$('review.deleteConfirm.warning')))
  t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/delete`, { csrf: kent.csrf })).status, 400, 'not confirmed')
  t.truthy(await report(sent.id))
  const response = await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}/delete`, { csrf: kent.csrf, confirm: 'yes' })
  t.is(response.status, 303)
  t.is(response.headers.get('location'), '/review/?done=deleted')
  t.is(await report(sent.id), undefined)
  t.is((await getAsReviewer(service.reviewUrl, kent, `/review/report/${sent.id}`)).status, 404)
  t.is(await foundInStore(service.dataDir, slices), 0)
  const visit = await reporterLogin(service.url, sent.codename)
  t.true((await (await getAs(service.url, visit, '/reports')).text()).includes(html$('reports.none')))
  t.true((await auditLog()).some((e) => e.actor === 'kent-one' && e.action === 'delete' && e.report === sent.id))
})

async function blobBytes (id: string): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const [, value] of kv.entries('blobs', { gte: `${id}!`, lt: `${id}!\uffff` })) parts.push(value)
  return Buffer.concat(parts)
}

async function firstKey (blob: string): Promise<string | undefined> {
  for await (const key of kv.keys('blobs', { gte: `${blob}!`, lt: `${blob}!\uffff` })) return key
  return undefined
}

async function listPackets (bytes: Buffer): Promise<string> {
  const { writeFile, mkdtemp } = await import('node:fs/promises')
  const dir = await mkdtemp(path.join(gpg.home, 'p-'))
  const target = path.join(dir, 'item.gpg')
  await writeFile(target, bytes)
  return gpg.listPackets(target)
}
