/**
 * A key that expires while the server runs (issue 9): from that moment it is
 * not used, the force is shown as unavailable and refused with the form's own
 * answer rather than a 500, and the log says so once. The clock is injected.
 */
import test from 'ava'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { gpgHome } from '../helpers/gpg.js'
import { login, postMultipartAs } from '../helpers/reporter.js'
import { startTestService } from '../helpers/service.js'
import { postReport, submitReport } from '../helpers/submit.js'

const DAY = 24 * 60 * 60 * 1000
const REPORT = { force: 'met', category: 'bribery', message: 'EXPIRY', anonymity: 'anonymous' }
const FILE = [{ name: 'evidence.txt', content: Buffer.from('attached evidence\n') }]

// Collects the service's log lines (it shares this process's standard error).
function captureLog (): { lines: string[]; stop: () => void } {
  const lines: string[] = []
  const write = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(...String(chunk).split('\n').filter((line) => line !== ''))
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest)
  }) as typeof process.stderr.write
  return { lines, stop: () => { process.stderr.write = write } }
}

test('a key that expires while the server runs: the force is shown unavailable and refused cleanly, logged once', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-expiry-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  const fingerprint = await gpg.generate('Met unit <met@unit.invalid>', 'future-default', 'default', '2d')
  await mkdir(path.join(dir, 'keys', 'met'), { recursive: true })
  await writeFile(path.join(dir, 'keys', 'met', 'unit.asc'), await gpg.exportPublic(fingerprint))

  let offset = 0
  const service = await startTestService({ KEYS_DIR: path.join(dir, 'keys') }, { clock: () => Date.now() + offset })
  t.teardown(() => service.dispose())
  const log = captureLog()
  t.teardown(log.stop)

  const form = async (): Promise<string> => (await fetch(service.url + '/report')).text()
  t.regex(await form(), /<option value="met"(?![^>]*disabled)[^>]*>/)
  const codename = await submitReport(service.url, REPORT, FILE)
  const visit = await login(service.url, codename)
  const reportId = /further\?report=([0-9a-f]{24})/.exec(await (await fetch(service.url + '/reports', { headers: { Cookie: visit.cookie } })).text())?.[1]
  t.truthy(reportId)

  // Three days on: the key expired a day ago.
  offset = 3 * DAY
  t.regex(await form(), /<option value="met"[^>]*disabled/, 'the cached form is rendered again')
  t.regex(await form(), /<option value="kent"(?![^>]*disabled)[^>]*>/)
  const refused = await postReport(service.url, { ...REPORT, message: 'AFTER-EXPIRY' }, FILE)
  t.is(refused.status, 400)
  t.regex(await refused.text(), /href="#force"/)
  const further = await postMultipartAs(service.url, visit, '/further', [['csrf', visit.csrf], ['report', reportId!], ['message', 'MORE']])
  t.is(further.status, 400)
  t.true((await further.text()).includes('This police force cannot receive reports at the moment'))
  // Other forces still take reports, and the page keeps coming.
  t.is((await postReport(service.url, { ...REPORT, force: 'kent' })).status, 303)
  t.regex(await form(), /<option value="met"[^>]*disabled/)

  const expired = log.lines.filter((line) => line.includes(fingerprint) && line.includes('has expired'))
  t.is(expired.length, 1, 'logged once')
  t.is(log.lines.filter((line) => line.includes('force met has no usable key left')).length, 1)
  t.false(log.lines.some((line) => /error (STORE_FAILED|ENCRYPTION_FAILED|INTERNAL)/.test(line)))
})
