/**
 * A new reporter's upload is told BUSY before its body is read, or never
 * (issue 9, docs/performance.md scenario 7): slow uploads admitted while the
 * new-reporter queue had room, ending together while it is full and the
 * codename reserve is off, all wait their turn and are stored, attachment and
 * all, each with its codename page; a POST that comes while the queue is full
 * is refused before its body is read, and nothing of it is stored. The one
 * derivation slot is held by the test, so every step waits on the service's
 * state, never on time.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import { readBlob } from '../../src/store/blobs.js'
import type { Kv, Space } from '../../src/store/kv.js'
import { getReport } from '../../src/store/records.js'
import { translate } from '../../src/web/i18n.js'
import { getAs, login, postLogin, postMultipartAs } from '../helpers/reporter.js'
import { startServiceWithGpg } from '../helpers/service.js'
import { answerOf, rawUpload, reportBody, type UploadAnswer } from '../helpers/slow-upload.js'
import { submitReport } from '../helpers/submit.js'

const REPORT = { force: 'met', category: 'bribery', anonymity: 'anonymous' }

async function until (condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!await condition()) await delay(5)
}

async function count (kv: Kv, space: Space): Promise<number> {
  let n = 0
  for await (const _ of kv.keys(space)) n++
  return n
}

// The keys a stored or half-stored report would add to.
async function storedKeys (kv: Kv): Promise<string[]> {
  const out: string[] = []
  for (const space of ['reports', 'reporters', 'pending', 'inbox', 'stats'] as const) for await (const key of kv.keys(space)) out.push(`${space}\n${key}`)
  return out
}

async function collect (chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of chunks) parts.push(Buffer.from(chunk))
  return Buffer.concat(parts)
}

/** One slow upload: sent up to a little way into its attachment, then held until the test finishes or drops it. */
function slowUpload (url: string, message: string): { file: Buffer; message: string; finish: () => void; drop: () => void; answer: Promise<UploadAnswer>; answered: () => boolean } {
  const file = randomBytes(96 * 1024)
  const body = reportBody({ ...REPORT, message }, file)
  const split = body.indexOf(file) + 1024
  const req = rawUpload(url, body.length)
  let answered = false
  const answer = answerOf(req)
  void answer.then(() => { answered = true })
  req.write(body.subarray(0, split))
  return { file, message, finish: () => req.end(body.subarray(split)), drop: () => req.destroy(), answer, answered: () => answered }
}

test('uploads admitted before the new-reporter queue filled are all stored when they end; a POST while it is full is refused unread', async (t) => {
  const { service, kv, gpg } = await startServiceWithGpg(t, 'met', { CANDOUR_CODENAME_RESERVE: '0', CANDOUR_MAX_UPLOADS: '8' }, { derivations: { concurrency: 1, maxWaitingLogins: 1, maxWaitingNewReporters: 1 } })
  const returning = await submitReport(service.url, { ...REPORT, message: 'EARLIER' })
  const visit = await login(service.url, returning)

  // The one slot is held, so every derivation after this waits in its queue.
  let open!: () => void
  const holding = service.derivations.run('login', () => new Promise<void>((resolve) => { open = resolve }))
  await until(() => service.derivations.load.running === 1)

  // Four new reporters start uploading while the new-reporter queue is empty: all admitted.
  const [a, b, c, d] = ['A', 'B', 'C', 'D'].map((name) => slowUpload(service.url, `ADMITTED-${name}`)) as [ReturnType<typeof slowUpload>, ReturnType<typeof slowUpload>, ReturnType<typeof slowUpload>, ReturnType<typeof slowUpload>]
  // Each attachment is on its way into the store: one pending blob per upload.
  await until(async () => await count(kv, 'pending') === 4)
  t.is(service.uploads.active, 4)

  // The first to end fills the new-reporter queue (bound 1).
  a.finish()
  await until(() => service.derivations.load.waiting['new-reporter'] === 1)
  t.true(service.derivations.full('new-reporter'))

  // A new POST now is refused before its file is read, though the upload cap (8) has room: its text comes back.
  const before = await storedKeys(kv)
  const lateFile = randomBytes(64 * 1024)
  const lateBody = reportBody({ ...REPORT, message: 'REFUSED' }, lateFile)
  const late = rawUpload(service.url, lateBody.length)
  const lateAnswer = answerOf(late)
  late.write(lateBody.subarray(0, lateBody.indexOf(lateFile) + 100))
  const refused = await lateAnswer
  late.destroy()
  t.is(refused.status, 503, 'answered with only 100 bytes of the file sent')
  t.is(refused.headers['retry-after'], '60')
  t.is(refused.headers.connection, 'close')
  t.is(refused.headers['set-cookie'], undefined)
  t.true(refused.body.includes(translate('en', 'report.busy.title').replace(/'/g, '&#39;')))
  t.true(refused.body.includes('>REFUSED</textarea>'), 'the text is kept')
  t.deepEqual(await storedKeys(kv), before, 'nothing of the refused POST was stored')

  // A logged-in reporter needs no derivation: their report goes in while the queue is full.
  const added = await postMultipartAs(service.url, visit, '/report', [['csrf', visit.csrf], ['force', 'met'], ['category', 'bribery'], ['message', 'LOGGED-IN'], ['anonymity', 'anonymous']], [{ name: 'more.txt', content: Buffer.from('more evidence\n') }])
  t.is(added.status, 200)
  // A login waits in its own queue, ahead of every new reporter.
  const waitingLogin = postLogin(service.url, returning)
  // Awaited below; not left unhandled should an assertion end the test first.
  waitingLogin.catch(() => {})
  await until(() => service.derivations.load.waiting.login === 1)

  // An admitted client that gives up releases its upload and leaves nothing behind.
  const pendingBefore = await count(kv, 'pending')
  d.drop()
  await until(() => service.uploads.active === 3)
  await until(async () => await count(kv, 'pending') === pendingBefore - 1)

  // The other two end while the queue is full. Before the fix they were answered BUSY here, their uploads lost.
  b.finish()
  c.finish()
  const admitted = [a, b, c]
  await until(() => admitted.filter((u) => u.answered()).length + service.derivations.load.waiting['new-reporter'] === 3)
  t.is(service.derivations.load.waiting['new-reporter'], 3, 'every admitted upload waits for its derivation, past the bound of 1')
  t.deepEqual(admitted.map((u) => u.answered()), [false, false, false])

  // The slot is freed: the login goes first, then the three new reporters in turn.
  const started = service.derivations.load.started
  open()
  await holding
  t.is(service.derivations.load.started.login, started.login + 1)
  t.is(service.derivations.load.started['new-reporter'], started['new-reporter'])
  t.is((await waitingLogin).status, 303)

  const codenames: string[] = []
  for (const upload of admitted) {
    const answer = await upload.answer
    t.is(answer.status, 303, upload.message)
    if (answer.status !== 303) continue
    const cookie = String(answer.headers['set-cookie']).split(';')[0]!
    const page = await (await fetch(service.url + answer.headers.location!, { headers: { Cookie: cookie } })).text()
    const codename = /id="codename"[^>]*>\s*([a-z -]+?)\s*</.exec(page)?.[1]
    t.truthy(codename, 'the codename page')
    if (codename === undefined) continue
    codenames.push(codename)

    // The codename opens exactly this upload's report, its text and its attachment, byte for byte.
    const reports = await (await getAs(service.url, await login(service.url, codename), '/reports')).text()
    const ids = [...new Set([...reports.matchAll(/further\?report=([0-9a-f]{24})/g)].map((m) => m[1]!))]
    t.is(ids.length, 1)
    const report = await getReport(kv, ids[0]!)
    t.deepEqual(report?.items.map((item) => item.kind).sort(), ['attachment', 'report'])
    for (const item of report?.items ?? []) {
      const plaintext = await gpg.decrypt(await collect(readBlob(kv, item.blob)))
      if (item.kind === 'report') t.true(plaintext.toString('utf8').includes(`\nWhat happened:\n${upload.message}\n`), upload.message)
      else t.true(plaintext.equals(upload.file), `${upload.message}: the attachment`)
    }
  }
  t.is(new Set(codenames).size, 3)
  // The earlier report, the logged-in reporter's, and the three admitted: nothing of the dropped or the refused one.
  t.is(await count(kv, 'reports'), 5)
  t.is(await count(kv, 'pending'), 0, 'nothing left pending')
  t.is(service.uploads.active, 0)
  t.deepEqual(service.derivations.load.waiting, { login: 0, 'new-reporter': 0, background: 0 })
  t.is(service.derivations.load.running, 0)
})
