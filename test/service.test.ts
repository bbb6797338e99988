/** Starting the service: production rules for keys, demo mode's banner, orphan clean-up, LevelDB's info log. */
import test from 'ava'
import { mkdir, mkdtemp, rm, writeFile, readdir } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../src/config.js'
import { startService } from '../src/service.js'
import { openLevelKv } from '../src/store/level-kv.js'
import { gpgHome } from './helpers/gpg.js'
import { startTestService } from './helpers/service.js'
import { postReport } from './helpers/submit.js'

async function tempDir (t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-svc-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

test('demo mode shows the demo banner on every page, and serves cached pages as production does', async (t) => {
  const service = await startTestService()
  t.teardown(() => service.dispose())
  t.true(service.config.demo)
  // Every force and the triage unit.
  t.is(service.demoForces.length, 49)
  t.true(service.demoForces.includes('triage'))
  for (const page of ['/', '/report', '/nowhere']) {
    t.regex(await (await fetch(service.url + page)).text(), /candour-demo-banner|govuk-notification-banner/, page)
  }
  // The landing page and the empty form are rendered once and kept gzipped, in demo mode too (issue 9).
  for (const page of ['/', '/report']) {
    t.is((await fetch(service.url + page, { headers: { 'Accept-Encoding': 'gzip' } })).headers.get('content-encoding'), 'gzip', page)
  }
})

test('production when CANDOUR_DEMO is unset, whatever NODE_ENV says: no demo keys, a force without a key shown as unavailable and refused', async (t) => {
  const dir = await tempDir(t)
  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  const fpr = await gpg.generate('Met unit <met@unit.invalid>', 'future-default', 'default', 'never')
  await mkdir(path.join(dir, 'keys', 'met'), { recursive: true })
  await writeFile(path.join(dir, 'keys', 'met', 'unit.asc'), await gpg.exportPublic(fpr))
  const service = await startService(loadConfig({ NODE_ENV: 'development', PORT: '0', REVIEW_PORT: '0', DATA_DIR: path.join(dir, 'data'), KEYS_DIR: path.join(dir, 'keys') }))
  t.teardown(() => service.close())
  t.deepEqual(service.demoForces, [])
  t.deepEqual(await readdir(path.join(dir, 'data')).then((names) => names.includes('demo-keys')), false)
  const form = await (await fetch(service.url + '/report')).text()
  t.notRegex(form, /candour-demo-banner/)
  t.regex(form, /<option value="met"(?![^>]*disabled)[^>]*>/)
  t.regex(form, /<option value="kent"[^>]*disabled/)
  const refused = await postReport(service.url, { force: 'kent', category: 'bribery', message: 'x', anonymity: 'anonymous' })
  t.is(refused.status, 400)
  t.regex(await refused.text(), /href="#force"/)
  const accepted = await postReport(service.url, { force: 'met', category: 'bribery', message: 'x', anonymity: 'anonymous' })
  t.is(accepted.status, 303)
  t.regex(accepted.headers.get('set-cookie') ?? '', /; HttpOnly; SameSite=Strict; Secure$/)
})

test('production refuses to start with demo secret keys in DATA_DIR, or with no usable key at all', async (t) => {
  const dir = await tempDir(t)
  await mkdir(path.join(dir, 'data', 'demo-keys'), { recursive: true })
  await writeFile(path.join(dir, 'data', 'demo-keys', 'met.secret.asc'), 'x')
  const config = loadConfig({ PORT: '0', REVIEW_PORT: '0', DATA_DIR: path.join(dir, 'data'), KEYS_DIR: path.join(dir, 'keys') })
  t.is((await t.throwsAsync(startService(config)) as { code?: string }).code, 'CONFIG_INVALID')
  const empty = loadConfig({ PORT: '0', REVIEW_PORT: '0', DATA_DIR: path.join(dir, 'data2'), KEYS_DIR: path.join(dir, 'keys') })
  t.is((await t.throwsAsync(startService(empty)) as { code?: string }).code, 'KEYS_MISSING')
})

test('blobs left pending by a crash are removed at start', async (t) => {
  const dir = await tempDir(t)
  const dataDir = path.join(dir, 'data')
  await mkdir(dataDir, { recursive: true })
  const kv = await openLevelKv(dataDir)
  await kv.batch([
    { type: 'put', space: 'pending', key: 'deadbeef', value: new Uint8Array(0) },
    { type: 'put', space: 'blobs', key: 'deadbeef!00000000', value: new Uint8Array([1, 2, 3]) },
  ])
  await kv.close()
  const service = await startTestService({ DATA_DIR: dataDir })
  t.teardown(() => service.dispose())
  await service.close()
  const again = await openLevelKv(dataDir)
  const left: string[] = []
  for await (const key of again.keys('blobs')) left.push(key)
  for await (const key of again.keys('pending')) left.push(key)
  await again.close()
  t.deepEqual(left, [])
})

test('a store with a LevelDB info log file is refused rather than appended to', async (t) => {
  const dir = await tempDir(t)
  await mkdir(path.join(dir, 'store'), { recursive: true })
  await writeFile(path.join(dir, 'store', 'LOG'), '2026/01/01-10:11:12.123456 leveldb\n')
  t.is((await t.throwsAsync(openLevelKv(dir)) as { code?: string }).code, 'STORE_FAILED')
})
