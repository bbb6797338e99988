/**
 * Transfer with the real offline tool: the workspace's download, re-encrypted
 * by `candour transfer` (run as a child process, as a unit would run it on its
 * offline machine) to the receiving force's real key, is accepted by the
 * transfer form; the receiving force's GnuPG opens every file, replies too.
 * Real (not demo) keys: the offline tool refuses demo keys.
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { keyPair, unzip } from '../helpers/bundles.js'
import { gpgHome } from '../helpers/gpg.js'
import { getAs, login as reporterLogin } from '../helpers/reporter.js'
import { addReviewer, getAsReviewer, loginReviewer, postFormAsReviewer } from '../helpers/reviewer.js'
import { startTestService } from '../helpers/service.js'
import { submitReport } from '../helpers/submit.js'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '../..')

test('a bundle re-encrypted by `candour transfer` moves the report, and the new force\'s key opens every file', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-offline-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const keysDir = path.join(dir, 'keys')
  const keys = { kent: await keyPair('Kent PSD unit'), met: await keyPair('Met DPS unit') }
  for (const [force, pair] of Object.entries(keys)) {
    await mkdir(path.join(keysDir, force), { recursive: true })
    await writeFile(path.join(keysDir, force, 'unit.asc'), pair.publicKey)
  }
  await writeFile(path.join(dir, 'kent.secret.asc'), keys.kent.privateKey, { mode: 0o600 })
  await writeFile(path.join(dir, 'passphrase'), '\n')
  const service = await startTestService({ KEYS_DIR: keysDir })
  t.teardown(() => service.dispose())

  const attachment = randomBytes(120_000)
  const codename = await submitReport(service.url, { force: 'kent', category: 'bribery', message: 'offline transfer', anonymity: 'anonymous' }, [{ name: 'a.bin', content: attachment }])
  const [kentWho, metWho] = await Promise.all([addReviewer(service.dataDir, 'kent-off', 'kent'), addReviewer(service.dataDir, 'met-off', 'met')])
  const [kent, met] = await Promise.all([loginReviewer(service.reviewUrl, kentWho), loginReviewer(service.reviewUrl, metWho)])
  const id = /\/review\/report\/([0-9a-f]{24})/.exec(await (await getAsReviewer(service.reviewUrl, kent, '/review/')).text())![1]!
  t.is((await postFormAsReviewer(service.reviewUrl, kent, `/review/report/${id}/reply`, { csrf: kent.csrf, reply: 'kent asks' })).status, 303)
  await writeFile(path.join(dir, 'download.zip'), Buffer.from(await (await getAsReviewer(service.reviewUrl, kent, `/review/report/${id}/bundle.zip`)).arrayBuffer()))

  await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'transfer', path.join(dir, 'download.zip'),
    '--key', path.join(dir, 'kent.secret.asc'), '--to', path.join(keysDir, 'met', 'unit.asc'), '--out', path.join(dir, 'for-met.zip'),
    '--passphrase-file', path.join(dir, 'passphrase')], { cwd: root })
  const form = new FormData()
  form.append('csrf', kent.csrf)
  form.append('to', 'met')
  form.append('bundle', new Blob([await readFile(path.join(dir, 'for-met.zip'))]), 'for-met.zip')
  const response = await fetch(`${service.reviewUrl}/review/report/${id}/transfer`, { method: 'POST', body: form, redirect: 'manual', headers: { Origin: service.reviewUrl, Cookie: kent.cookie } })
  t.is(response.status, 303)
  t.is((await getAsReviewer(service.reviewUrl, kent, `/review/report/${id}`)).status, 404)

  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  await writeFile(path.join(gpg.home, 'met.secret.asc'), keys.met.privateKey)
  await gpg.importKey(path.join(gpg.home, 'met.secret.asc'))
  const files = await unzip(Buffer.from(await (await getAsReviewer(service.reviewUrl, met, `/review/report/${id}/bundle.zip`)).arrayBuffer()))
  t.deepEqual(files.map((f) => f.name), ['01-report.gpg', '02-attachment.gpg', '03-reply.gpg', 'manifest.json'])
  t.true((await gpg.decrypt(files[0]!.bytes)).toString('utf8').includes('offline transfer'))
  t.true((await gpg.decrypt(files[1]!.bytes)).equals(attachment))
  t.is((await gpg.decrypt(files[2]!.bytes)).toString('utf8'), 'kent asks\n')

  const visit = await reporterLogin(service.url, codename)
  t.true((await (await getAs(service.url, visit, '/reports')).text()).includes('kent asks'))
})
