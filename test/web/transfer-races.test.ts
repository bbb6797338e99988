/**
 * Issue 9, item 7: further information and replies re-check the report's
 * force in the same atomic step that commits them. Over HTTP, a transfer
 * lands while further information is still uploading: nothing of it is kept,
 * the reporter is told to send it again (their text comes back, files must be
 * chosen again), and sending again reaches the new force. In the domain, a
 * reply whose report is moved between its encryption and its commit is
 * dropped whole, and nothing is audited.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { recipientsFromArmored } from '../../src/crypto/keys.js'
import { OPERATOR } from '../../src/domain/actors.js'
import { Workspace } from '../../src/domain/workspace.js'
import { connectControl } from '../../src/store/control.js'
import type { Kv } from '../../src/store/kv.js'
import { getReport, modifyReport, putReporterOp } from '../../src/store/records.js'
import { translate } from '../../src/web/i18n.js'
import { keyPair, reencryptBundle, unzip, zip } from '../helpers/bundles.js'
import { fakeReport, tempStore, writeReports } from '../helpers/reports.js'
import { getAs, login as reporterLogin, postMultipartAs } from '../helpers/reporter.js'
import { addReviewer, auditLogOf, getAsReviewer, loginReviewer, type ReviewerVisit } from '../helpers/reviewer.js'
import { startTestService } from '../helpers/service.js'
import { submitReport } from '../helpers/submit.js'

const html$ = (key: string): string => translate('en', key).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

async function keys (kv: Kv, space: 'pending' | 'blobs'): Promise<string[]> {
  const out: string[] = []
  for await (const key of kv.keys(space)) out.push(key)
  return out
}

async function bundleOf (base: string, visit: ReviewerVisit, id: string): Promise<Array<{ name: string; bytes: Buffer }>> {
  const response = await getAsReviewer(base, visit, `/review/report/${id}/bundle.zip`)
  if (response.status !== 200) throw new Error(`download answered ${response.status}`)
  return unzip(Buffer.from(await response.arrayBuffer()))
}

test('a transfer during a further-information upload: the upload is dropped whole, the reporter is told to send it again, and the new force gets it then', async (t) => {
  const service = await startTestService()
  t.teardown(() => service.dispose())
  const codename = await submitReport(service.url, { force: 'kent', category: 'bribery', message: 'first report', anonymity: 'anonymous' })
  const visit = await reporterLogin(service.url, codename)
  const reportId = /further\?report=([0-9a-f]{24})/.exec(await (await getAs(service.url, visit, '/reports')).text())![1]!
  const [kent, met] = await Promise.all([
    addReviewer(service.dataDir, 'kent-racer', 'kent').then((who) => loginReviewer(service.reviewUrl, who)),
    addReviewer(service.dataDir, 'met-racer', 'met').then((who) => loginReviewer(service.reviewUrl, who)),
  ])
  const kv = await connectControl(service.dataDir)
  t.teardown(() => kv.close())

  // The reporter starts sending further information: the text, then a file that arrives slowly.
  const boundary = `candour${randomBytes(8).toString('hex')}`
  const field = (name: string, value: string): string => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  const message = `More about it ${randomBytes(4).toString('hex')}`
  const base = new URL(service.url)
  const upload = http.request({
    host: base.hostname,
    port: base.port,
    method: 'POST',
    path: '/further',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, Origin: service.url, Cookie: visit.cookie },
  })
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    upload.on('response', (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks).toString('utf8') }))
    })
    upload.on('error', reject)
  })
  upload.write(field('csrf', visit.csrf) + field('report', reportId) + field('message', message))
  upload.write(`--${boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="later.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
  upload.write(randomBytes(256 * 1024))
  // Wait until the server is storing the file (a pending blob), encrypted to Kent Police.
  for (let i = 0; (await keys(kv, 'pending')).length === 0; i++) {
    if (i > 600) throw new Error('the upload never started storing')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  // Meanwhile Kent Police transfers the report to the Met.
  const kentSecret = await readFile(path.join(service.dataDir, 'demo-keys', 'kent.secret.asc'), 'utf8')
  const metKeys = await recipientsFromArmored(await readFile(path.join(service.dataDir, 'demo-keys', 'met.secret.asc'), 'utf8'))
  const bundle = await zip(await reencryptBundle(await bundleOf(service.reviewUrl, kent, reportId), kentSecret, metKeys))
  const form = new FormData()
  form.append('csrf', kent.csrf)
  form.append('to', 'met')
  form.append('bundle', new Blob([bundle as Uint8Array<ArrayBuffer>]), 'bundle.zip')
  const transfer = await fetch(`${service.reviewUrl}/review/report/${reportId}/transfer`, { method: 'POST', body: form, redirect: 'manual', headers: { Origin: service.reviewUrl, Cookie: kent.cookie } })
  t.is(transfer.status, 303)
  t.like(await getReport(kv, reportId), { force: 'met' })

  // The upload ends: refused whole, with the reason, the text kept and the files to choose again.
  upload.end(`${randomBytes(64 * 1024).toString('base64')}\r\n--${boundary}--\r\n`)
  const answer = await answered
  t.is(answer.status, 409)
  t.true(answer.body.includes(html$('errors.further.reportMoved')))
  t.true(answer.body.includes(message), 'the text is echoed back')
  t.true(answer.body.includes('id="files-dropped"'))
  t.true(answer.body.includes('Metropolitan Police Service'), 'the page names the force that now has the report')
  const after = (await getReport(kv, reportId))!
  t.deepEqual(after.items.map((item) => item.kind), ['report'], 'nothing half-stored')
  t.deepEqual(await keys(kv, 'pending'), [], 'no pending blob left')
  t.deepEqual([...new Set((await keys(kv, 'blobs')).map((key) => key.split('!')[0]))].sort(), [after.items[0]!.blob].sort(), 'no ciphertext of the dropped upload')

  // Sent again, it reaches the Met, encrypted to the Met.
  const again = await postMultipartAs(service.url, visit, '/further', [['csrf', visit.csrf], ['report', reportId], ['message', message]], [{ name: 'later.bin', content: randomBytes(1000) }])
  t.is(again.status, 303)
  const metFiles = await bundleOf(service.reviewUrl, met, reportId)
  t.deepEqual(metFiles.map((f) => f.name), ['01-report.gpg', '02-further-information.gpg', '03-attachment.gpg', 'manifest.json'])
})

test('a reply whose report is transferred between its encryption and its commit is dropped whole and not audited', async (t) => {
  const store = await tempStore()
  t.teardown(() => store.dispose())
  const [kent, met, reporter] = await Promise.all([keyPair('kent'), keyPair('met'), keyPair('reporter')])
  const report = fakeReport({ force: 'kent', items: [] })
  await writeReports(store.kv, [report])
  await store.kv.batch([putReporterOp(report.reporter, { v: 1, replyPublicKey: reporter.publicKey, lockedReplySecretKey: '', reports: [report.id] })])
  // A store on which a transfer commits just before the reply's first commit attempt.
  let raced = false
  const racing: Kv = {
    get: (space, key) => store.kv.get(space, key),
    entries: (space, range) => store.kv.entries(space, range),
    keys: (space, range) => store.kv.keys(space, range),
    snapshot: () => store.kv.snapshot(),
    compact: (space, range) => store.kv.compact(space, range),
    close: () => store.kv.close(),
    async batch (ops, options) {
      if (!raced && ops.some((op) => op.space === 'reports' && op.key === report.id)) {
        raced = true
        await modifyReport(store.kv, report.id, (current) => current === undefined ? undefined : { value: { ...current, force: 'met', transferredFrom: 'kent' } })
      }
      return store.kv.batch(ops, options)
    },
  }
  const workspace = new Workspace({ kv: racing, recipients: async () => new Map([['kent', kent.recipients], ['met', met.recipients]]) })
  const err = await t.throwsAsync(workspace.reply(OPERATOR, report.id, 'encrypted to Kent, too late')) as { code?: string }
  t.true(raced)
  t.is(err.code, 'REPORT_MOVED')
  t.deepEqual((await getReport(store.kv, report.id))!.replies, [])
  t.deepEqual(await keys(store.kv, 'pending'), [])
  t.deepEqual(await keys(store.kv, 'blobs'), [], 'neither copy of the reply is left')
  t.deepEqual((await auditLogOf(store.kv)).filter((entry) => entry.action === 'reply'), [])
  // Without the race the same reply is stored, encrypted to the force the report now belongs to.
  await workspace.reply(OPERATOR, report.id, 'now to the Met')
  t.is((await getReport(store.kv, report.id))!.replies.length, 1)
})
