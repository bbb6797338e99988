/**
 * The triage unit (issue 11): "I do not know which force" on the report form
 * sends a report to the unit with id `triage`, encrypted to keys/triage/; its
 * own reviewers read it and pass it on with the ordinary offline transfer; the
 * reporter's codename keeps working before and after. Real keys throughout
 * (the offline tool refuses demo keys).
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { forceDirectory } from '../../src/domain/force-directory.js'
import { checkAnswers } from '../../src/domain/report-answers.js'
import { keyPair, unzip } from '../helpers/bundles.js'
import { gpgHome } from '../helpers/gpg.js'
import { getAs, login as reporterLogin, postMultipartAs } from '../helpers/reporter.js'
import { addReviewer, candour, getAsReviewer, loginReviewer } from '../helpers/reviewer.js'
import { startTestService } from '../helpers/service.js'
import { postReport, submitReport } from '../helpers/submit.js'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '../..')

test('the triage choice is unavailable, like a force, when the triage unit has no usable key', (t) => {
  const forces = forceDirectory(new Set(['kent']))
  t.deepEqual(forces.list().at(-1), { id: 'triage', name: 'Triage unit (force not known)', available: false })
  t.true(forces.isKnown('triage'))
  t.false(forces.isAvailable('triage'))
  const limits = { maxMessageChars: 100, maxContactChars: 100 }
  t.deepEqual(checkAnswers({ force: 'triage', category: 'other', message: 'x', anonymity: 'anonymous' }, forces, limits, '2026-01-01').problems, [{ field: 'force', code: 'unavailable' }])
  t.deepEqual(checkAnswers({ force: 'triage', category: 'other', message: 'x', anonymity: 'anonymous' }, forceDirectory(new Set(['triage'])), limits, '2026-01-01').problems, [])
})

test('"I do not know which force" goes to the triage unit, which transfers it to a force; the codename works throughout', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-triage-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const keysDir = path.join(dir, 'keys')
  const keys = { triage: await keyPair('Candour triage unit'), kent: await keyPair('Kent PSD unit') }
  for (const [unit, pair] of Object.entries(keys)) {
    await mkdir(path.join(keysDir, unit), { recursive: true })
    await writeFile(path.join(keysDir, unit, 'unit.asc'), pair.publicKey)
  }
  await writeFile(path.join(dir, 'triage.secret.asc'), keys.triage.privateKey, { mode: 0o600 })
  await writeFile(path.join(dir, 'passphrase'), '\n')
  const service = await startTestService({ KEYS_DIR: keysDir })
  t.teardown(() => service.dispose())

  // The choice is on the form, first after the placeholder, with its own words.
  const form = await (await fetch(`${service.url}/report`)).text()
  t.regex(form, /<option value="">Choose a force<\/option>\s*<option value="triage">I do not know which force<\/option>/)

  const response = await postReport(service.url, { force: 'triage', category: 'abuse-of-position', message: 'TRIAGE-MARKER somewhere near the station', anonymity: 'anonymous' })
  t.is(response.status, 303)
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!
  const page = await (await fetch(`${service.url}${response.headers.get('location')}`, { headers: { Cookie: cookie } })).text()
  t.true(page.includes('triage unit, which will pass it to the Professional Standards or Anti-Corruption unit of the right force'))
  const codename = /id="codename"[^>]*>\s*([a-z -]+?)\s*</.exec(page)![1]!

  // The triage unit's reviewer has it; a force's reviewer does not.
  const [triageWho, kentWho] = await Promise.all([addReviewer(service.dataDir, 'triage-one', 'triage'), addReviewer(service.dataDir, 'kent-one', 'kent')])
  t.is((await candour(['reviewer', 'list'], service.dataDir)).stdout, 'kent-one\tkent\treviewer\ntriage-one\ttriage\treviewer\n')
  const [triage, kent] = await Promise.all([loginReviewer(service.reviewUrl, triageWho), loginReviewer(service.reviewUrl, kentWho)])
  const inbox = await (await getAsReviewer(service.reviewUrl, triage, '/review/')).text()
  t.true(inbox.includes('Triage unit (force not known)'))
  const id = /\/review\/report\/([0-9a-f]{24})/.exec(inbox)![1]!
  t.false((await (await getAsReviewer(service.reviewUrl, kent, '/review/')).text()).includes(id))
  t.is((await getAsReviewer(service.reviewUrl, kent, `/review/report/${id}`)).status, 404)

  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  await gpg.importKey(path.join(dir, 'triage.secret.asc'))
  const bundle = Buffer.from(await (await getAsReviewer(service.reviewUrl, triage, `/review/report/${id}/bundle.zip`)).arrayBuffer())
  const files = await unzip(bundle)
  const text = (await gpg.decrypt(files[0]!.bytes)).toString('utf8')
  t.true(text.includes('TRIAGE-MARKER'))
  t.true(text.includes('Force: Triage unit (force not known) (triage)'))
  t.true(text.includes('Sent: online'))

  // The reporter's codename works while the report sits with triage.
  const before = await reporterLogin(service.url, codename)
  t.true((await (await getAs(service.url, before, '/reports')).text()).includes('Triage unit (force not known)'))

  // Triage passes it to Kent offline, with the ordinary transfer.
  await writeFile(path.join(dir, 'download.zip'), bundle)
  await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'transfer', path.join(dir, 'download.zip'),
    '--key', path.join(dir, 'triage.secret.asc'), '--to', path.join(keysDir, 'kent', 'unit.asc'), '--out', path.join(dir, 'for-kent.zip'),
    '--passphrase-file', path.join(dir, 'passphrase')], { cwd: root })
  const upload = new FormData()
  upload.append('csrf', triage.csrf)
  upload.append('to', 'kent')
  upload.append('bundle', new Blob([await readFile(path.join(dir, 'for-kent.zip'))]), 'for-kent.zip')
  const moved = await fetch(`${service.reviewUrl}/review/report/${id}/transfer`, { method: 'POST', body: upload, redirect: 'manual', headers: { Origin: service.reviewUrl, Cookie: triage.cookie } })
  t.is(moved.status, 303)
  t.is((await getAsReviewer(service.reviewUrl, triage, `/review/report/${id}`)).status, 404)
  t.is((await getAsReviewer(service.reviewUrl, kent, `/review/report/${id}`)).status, 200)

  // The same codename still logs in, sees the report under Kent, and adds to it; Kent's reviewer gets it.
  const after = await reporterLogin(service.url, codename)
  const reports = await (await getAs(service.url, after, '/reports')).text()
  t.true(reports.includes('Kent Police'))
  t.false(reports.includes('Triage unit'))
  const further = await postMultipartAs(service.url, after, '/further', [['csrf', after.csrf], ['report', id], ['message', 'AFTER-TRANSFER detail']])
  t.is(further.status, 303)
  const kentFiles = await unzip(Buffer.from(await (await getAsReviewer(service.reviewUrl, kent, `/review/report/${id}/bundle.zip`)).arrayBuffer()))
  t.deepEqual(kentFiles.map((f) => f.name), ['01-report.gpg', '02-further-information.gpg', 'manifest.json'])
  const kentGpg = await gpgHome()
  t.teardown(() => kentGpg.dispose())
  await writeFile(path.join(kentGpg.home, 'kent.secret.asc'), keys.kent.privateKey)
  await kentGpg.importKey(path.join(kentGpg.home, 'kent.secret.asc'))
  t.true((await kentGpg.decrypt(kentFiles[1]!.bytes)).toString('utf8').includes('AFTER-TRANSFER detail'))
  // A second report under the same codename may name a force directly.
  t.truthy(await submitReport(service.url, { force: 'kent', category: 'other', message: 'someone new', anonymity: 'anonymous' }))
})
