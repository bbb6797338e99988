/**
 * `candour backup` and `candour restore` end to end (issue 14): a backup taken
 * through the running server's control socket while reports keep arriving,
 * decrypted by stock GnuPG, restored into an empty folder that passes `check`,
 * serves every report and lets every reporter log in with their codename.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { appendAudit, verifyAudit } from '../../src/domain/audit.js'
import { addReply } from '../../src/domain/replies.js'
import { connectControl } from '../../src/store/control.js'
import { openLevelKv } from '../../src/store/level-kv.js'
import type { ReportRecord } from '../../src/store/records.js'
import { keyPair } from '../helpers/bundles.js'
import { gpgHome, type Gpg } from '../helpers/gpg.js'
import { candour, onTerminal, removeAll, tempDir } from '../helpers/offline.js'
import { getAs, login } from '../helpers/reporter.js'
import { startTestService } from '../helpers/service.js'
import { submitReport } from '../helpers/submit.js'

const PASSPHRASE = 'backup key passphrase, kept offline'

interface BackupKey { readonly gpg: Gpg; readonly publicFile: string; readonly secretFile: string; readonly passFile: string }

async function backupKey (dir: string): Promise<BackupKey> {
  const gpg = await gpgHome()
  const fingerprint = await gpg.generate('Candour backup <backup@candour.invalid>', 'future-default', 'default', 'never', { passphrase: PASSPHRASE })
  const publicFile = path.join(dir, 'backup.public.asc')
  const secretFile = path.join(dir, 'backup.secret.asc')
  const passFile = path.join(dir, 'pass.txt')
  await writeFile(publicFile, await gpg.exportPublic(fingerprint))
  await writeFile(secretFile, await gpg.exportSecret(fingerprint, PASSPHRASE))
  await writeFile(passFile, PASSPHRASE + '\n')
  return { gpg, publicFile, secretFile, passFile }
}

async function storeReports (dataDir: string): Promise<Map<string, ReportRecord>> {
  const kv = await openLevelKv(dataDir)
  const out = new Map<string, ReportRecord>()
  try {
    for await (const [id, raw] of kv.entries('reports')) out.set(id, JSON.parse(Buffer.from(raw).toString('utf8')) as ReportRecord)
  } finally {
    await kv.close()
  }
  return out
}

test('a backup taken while reports arrive decrypts with gpg, holds no plaintext, and restores into a store that checks sound and serves every report and codename', async (t) => {
  const dir = await tempDir('candour-backup-')
  t.teardown(() => removeAll(dir))
  const key = await backupKey(dir)
  t.teardown(() => key.gpg.dispose())
  const kent = await keyPair('kent')
  const keysDir = path.join(dir, 'keys')
  await mkdir(path.join(keysDir, 'kent'), { recursive: true })
  await writeFile(path.join(keysDir, 'kent', 'unit.asc'), kent.publicKey)
  const service = await startTestService({ KEYS_DIR: keysDir, DATA_DIR: path.join(dir, 'data') })
  t.teardown(() => service.close())
  const env = { DATA_DIR: service.dataDir, KEYS_DIR: keysDir, CANDOUR_DEMO: '1', CANDOUR_SCRYPT_COST: '1024' }

  // Reports before the backup: some with files, one with a reply, and audit entries.
  const secretText = 'PLAINTEXT-MARKER the sergeant took the money'
  const before: string[] = []
  for (let i = 0; i < 4; i++) {
    before.push(await submitReport(service.url, { force: 'kent', category: 'bribery', message: `${secretText} ${i}`, anonymity: 'anonymous', atRisk: 'no' },
      i % 2 === 0 ? [{ name: `evidence-${i}.bin`, content: randomBytes(300_000) }] : []))
  }
  const remote = await connectControl(service.dataDir)
  const reportIds: string[] = []
  for await (const id of remote.keys('reports')) reportIds.push(id)
  await addReply(remote, new Map([['kent', kent.recipients]]), reportIds[0]!, 'a reply from the unit')
  for (const id of reportIds) await appendAudit(remote, { actor: 'cli', action: 'download', report: id })
  await remote.close()

  // Reports keep arriving while the backup runs.
  let submitting = true
  const during: Array<Promise<string>> = []
  const arrivals = (async () => {
    for (let i = 0; submitting; i++) {
      const sent = submitReport(service.url, { force: 'kent', category: 'other', message: `during ${i}`, anonymity: 'anonymous', atRisk: 'no' }, [{ name: 'during.bin', content: randomBytes(200_000) }])
      during.push(sent)
      await sent
    }
  })()
  const backupFile = path.join(dir, 'store.backup')
  const backup = await candour(['backup', '--to', key.publicFile, '--out', backupFile], { env })
  submitting = false
  await arrivals
  t.is(backup.code, 0, backup.stderr)
  t.regex(backup.stdout, /through the running server/)
  t.true(during.length > 0)

  // An existing file is never overwritten.
  const again = await candour(['backup', '--to', key.publicFile, '--out', backupFile], { env })
  t.not(again.code, 0)
  t.regex(again.stderr, /OUTPUT_EXISTS/)

  // Stock gpg decrypts it; the file itself shows nothing of the store.
  const encrypted = await readFile(backupFile)
  const plain = await key.gpg.decryptFile(backupFile, PASSPHRASE)
  t.true(plain.subarray(0, 40).toString('utf8').startsWith('{"format":"candour-backup"'))
  const peppers = JSON.parse(await readFile(path.join(service.dataDir, 'peppers.json'), 'utf8')) as { reporterId: string }
  t.true(plain.includes(Buffer.from(peppers.reporterId)), 'the peppers are in the backup')
  for (const id of reportIds) {
    t.true(plain.includes(Buffer.from(id)), 'every report is in the backup')
    t.false(encrypted.includes(Buffer.from(id)), 'no report id shows in the backup file')
  }
  for (const probe of ['candour-backup', 'kent', '"force"', peppers.reporterId, 'bribery']) t.false(encrypted.includes(Buffer.from(probe)), `no ${probe} in the file`)
  // The store itself holds ciphertext only, so the backup's plaintext holds no report text either.
  t.false(plain.includes(Buffer.from('PLAINTEXT-MARKER')))
  t.regex(await key.gpg.listPackets(backupFile), /pubkey enc packet: version 3/)

  // Restore: refused into a folder that is not empty, or with the wrong key; then into an empty one.
  const occupied = path.join(dir, 'occupied')
  await mkdir(occupied)
  await writeFile(path.join(occupied, 'something'), 'x')
  const refused = await candour(['restore', '--from', backupFile, '--key', key.secretFile, '--passphrase-file', key.passFile, '--data-dir', occupied])
  t.regex(refused.stderr, /OUTPUT_EXISTS/)
  t.deepEqual(await readdir(occupied), ['something'])
  const wrongKey = path.join(dir, 'wrong.asc')
  await writeFile(wrongKey, (await keyPair('other')).privateKey)
  const wrongDir = path.join(dir, 'wrong')
  const mismatch = await candour(['restore', '--from', backupFile, '--key', wrongKey, '--data-dir', wrongDir])
  t.regex(mismatch.stderr, /KEY_MISMATCH/)
  t.deepEqual(await readdir(wrongDir).catch(() => []), [])

  const restoredDir = path.join(dir, 'restored')
  const restore = await candour(['restore', '--from', backupFile, '--key', key.secretFile, '--passphrase-file', key.passFile, '--data-dir', restoredDir])
  t.is(restore.code, 0, restore.stderr)
  t.regex(restore.stdout, /restored \d+ store entries/)
  t.is((await stat(path.join(restoredDir, 'peppers.json'))).mode & 0o777, 0o600)
  t.is(await readFile(path.join(restoredDir, 'peppers.json'), 'utf8'), await readFile(path.join(service.dataDir, 'peppers.json'), 'utf8'))

  // The restored store checks sound (stopped), and holds every report that was stored before the backup, unchanged.
  const check = await candour(['check'], { env: { ...env, DATA_DIR: restoredDir } })
  t.is(check.code, 0, check.stdout + check.stderr)
  t.regex(check.stdout, /store sound/)
  await service.close()
  const original = await storeReports(service.dataDir)
  const restored = await storeReports(restoredDir)
  for (const id of reportIds) t.deepEqual(restored.get(id), original.get(id))
  for (const [id, report] of restored) t.deepEqual(report, original.get(id), 'a restored report is one the server stored, whole')
  const kv = await openLevelKv(restoredDir)
  t.true((await verifyAudit(kv)).ok)
  t.is((await verifyAudit(kv)).entries, reportIds.length)
  for await (const key of kv.keys('pending')) t.fail(`pending ${key}`)
  await kv.close()

  // A service on the restored store serves every report, and every reporter logs in with their codename.
  const revived = await startTestService({ KEYS_DIR: keysDir, DATA_DIR: restoredDir })
  t.teardown(() => revived.close())
  let replySeen = false
  for (const codename of before) {
    const visit = await login(revived.url, codename)
    const page = await (await getAs(revived.url, visit, '/reports')).text()
    t.regex(page, /further\?report=[0-9a-f]{24}/)
    // The reporter's copy of the reply opens with the reply key their codename unlocks.
    if (page.includes(`further?report=${reportIds[0]!}`)) replySeen = page.includes('a reply from the unit')
  }
  t.true(replySeen)
  const served = new Set<string>()
  for (const codename of [...before, ...await Promise.all(during)]) {
    try {
      const visit = await login(revived.url, codename)
      const page = await (await getAs(revived.url, visit, '/reports')).text()
      for (const match of page.matchAll(/further\?report=([0-9a-f]{24})/g)) served.add(match[1]!)
    } catch {
      // A report sent after the snapshot was taken is not in the backup: its codename is unknown here.
    }
  }
  t.deepEqual([...served].sort(), [...restored.keys()].sort(), 'every restored report is served to its reporter')
})

test('the backup shows a progress bar on a terminal', async (t) => {
  const dir = await tempDir('candour-backup-tty-')
  t.teardown(() => removeAll(dir))
  const key = await backupKey(dir)
  t.teardown(() => key.gpg.dispose())
  const dataDir = path.join(dir, 'data')
  const kv = await openLevelKv(dataDir)
  await kv.batch([{ type: 'put', space: 'blobs', key: 'b!00000000', value: randomBytes(2_000_000) }])
  await kv.close()
  const out = path.join(dir, 'tty.backup')
  const { code, screen } = await onTerminal([process.execPath, '--import', 'tsx', 'src/cli/index.ts', 'backup', '--to', key.publicFile, '--out', out], [], { env: { DATA_DIR: dataDir, CANDOUR_DEMO: '1' } })
  t.is(code, 0, screen)
  t.regex(screen, /backup \[#+-*\] +\d+%/)
  t.regex(screen, /backup written/)
  t.true((await readFile(out)).length > 2_000_000)
})
