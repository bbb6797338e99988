/** `candour export` and `candour forces` as an operator runs them: with the server stopped, and while it runs. */
import test from 'ava'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { gpgHome } from '../helpers/gpg.js'
import { startTestService } from '../helpers/service.js'
import { submitReport } from '../helpers/submit.js'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '../..')

function candour (args: string[], dataDir: string): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { cwd: root, env: { ...process.env, CANDOUR_DEMO: '1', DATA_DIR: dataDir } })
}

test('forces lists every covered force with its id, then the triage unit', async (t) => {
  const { stdout } = await candour(['forces'], '/nonexistent')
  const lines = stdout.trim().split('\n')
  t.is(lines.length, 49)
  t.is(lines.at(-1), 'triage\tTriage unit (force not known)')
  t.true(lines.includes('met\tMetropolitan Police Service'))
  t.true(lines.includes('city-of-london\tCity of London Police'))
})

test('export works while the server runs (control socket) and after it stops (direct), and gpg opens every item', async (t) => {
  const service = await startTestService()
  t.teardown(() => service.dispose())
  const marker = `EXPORT-${randomBytes(6).toString('hex')}`
  const file = randomBytes(200_000)
  await submitReport(service.url, { force: 'kent', category: 'discrimination', message: marker, anonymity: 'anonymous' }, [{ name: 'photo.jpg', content: file }])
  await submitReport(service.url, { force: 'met', category: 'other', message: 'not for kent', anonymity: 'anonymous' })

  const live = path.join(service.dataDir, '..', 'export-live')
  const first = await candour(['export', '--force', 'kent', '--out', live], service.dataDir)
  t.regex(first.stdout, /exported 1 report\(s\) \(through the running server\)/)
  const [reportDir, ...others] = await readdir(live)
  t.deepEqual(others, [])
  t.deepEqual((await readdir(path.join(live, reportDir!))).sort(), ['01-report.gpg', '02-attachment.gpg', 'manifest.json'])
  const manifest = JSON.parse(await readFile(path.join(live, reportDir!, 'manifest.json'), 'utf8')) as Record<string, unknown>
  t.like(manifest, { format: 'candour-bundle/1', id: reportDir, force: 'kent', category: 'discrimination', channel: 'online', urgent: false, status: 'new' })
  t.false(JSON.stringify(manifest).includes('photo.jpg'), 'file names stay inside the ciphertext')

  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  await gpg.importKey(path.join(service.dataDir, 'demo-keys', 'kent.secret.asc'))
  t.true((await gpg.decryptFile(path.join(live, reportDir!, '01-report.gpg'))).toString('utf8').includes(marker))
  t.true((await gpg.decryptFile(path.join(live, reportDir!, '02-attachment.gpg'))).equals(file))

  // Repeating the export adds nothing; with the server stopped the command opens the store itself.
  await service.close()
  const again = await candour(['export', '--force', 'kent', '--out', live], service.dataDir)
  t.regex(again.stdout, /^exported 0 report\(s\)\n$/)
  const direct = path.join(service.dataDir, '..', 'export-direct')
  const offline = await candour(['export', '--force', 'kent', '--out', direct], service.dataDir)
  t.regex(offline.stdout, /^exported 1 report\(s\)\n$/)
  t.deepEqual(await readdir(direct), [reportDir])
})

test('export refuses an unknown force with a stable code and a non-zero exit, creating nothing', async (t) => {
  const dataDirNone = path.join(os.tmpdir(), `candour-none-${randomBytes(4).toString('hex')}`)
  const error = await t.throwsAsync(candour(['export', '--force', 'atlantis', '--out', '/tmp/never'], dataDirNone)) as { code?: number; stderr?: string }
  t.is(error.code, 1)
  t.regex(error.stderr ?? '', /FORCE_UNKNOWN/)
  t.false(existsSync(dataDirNone))
})
