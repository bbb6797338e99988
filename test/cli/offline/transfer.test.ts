/**
 * `candour transfer`: a report exported from a running service, re-encrypted
 * on the "offline machine" to another force's keys, checked with GnuPG
 * (recipients, decryption), opened by `candour decrypt`, refused where it
 * must be, and finally accepted by the server's own transfer code.
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { forceKeys } from '../../../src/cli/keys.js'
import { transferReport } from '../../../src/domain/transfer.js'
import { openLevelKv } from '../../../src/store/level-kv.js'
import { gpgHome, type Gpg } from '../../helpers/gpg.js'
import { candour, generateUnitKey, listFiles, readZip, removeAll, tempDir } from '../../helpers/offline.js'
import { startTestService, type TestService } from '../../helpers/service.js'
import { submitReport } from '../../helpers/submit.js'

const run = promisify(execFile)
const PASS = 'transfer unit passphrase'
let root: string
let passFile: string
let service: TestService
let gpg: Gpg
let exported: string
const keys = new Map<string, { secret: string; public: string }>()
const marker = `TRANSFER-${randomBytes(6).toString('hex')}`
const attachment = randomBytes(1024 * 1024 + 77)

async function generate (force: string, type: 'curve25519' | 'rsa4096'): Promise<void> {
  const { secretFile, publicFile } = await generateUnitKey(force, path.join(root, `unit-${force}`), passFile, type)
  keys.set(force, { secret: secretFile, public: publicFile })
}

test.before(async () => {
  root = await tempDir()
  passFile = path.join(root, 'pass')
  await writeFile(passFile, PASS)
  await generate('kent', 'curve25519')
  await generate('met', 'rsa4096')
  const keysDir = path.join(root, 'keys')
  for (const force of ['kent', 'met']) {
    await mkdir(path.join(keysDir, force), { recursive: true })
    await copyFile(keys.get(force)!.public, path.join(keysDir, force, 'unit.asc'))
  }
  service = await startTestService({ KEYS_DIR: keysDir })
  await submitReport(service.url, { force: 'kent', category: 'bribery', message: marker, anonymity: 'contact', contact: 'call me on 07700 900456' }, [{ name: 'ledger.xlsx', content: attachment }])
  const result = await candour(['export', '--force', 'kent', '--out', path.join(root, 'export')], { env: { DATA_DIR: service.dataDir } })
  if (result.code !== 0) throw new Error(result.stderr)
  const [id] = await readdir(path.join(root, 'export'))
  exported = path.join(root, 'export', id!)
  gpg = await gpgHome()
  await gpg.importKey(keys.get('met')!.secret, PASS)
})

test.after.always(async () => {
  await service?.dispose()
  await gpg?.dispose()
  await removeAll(root)
})

function transfer (bundle: string, to: string, out: string, key = keys.get('kent')!.secret): ReturnType<typeof candour> {
  return candour(['transfer', bundle, '--key', key, '--to', to, '--out', out, '--passphrase-file', passFile])
}

/** `gpg <args>` in a throwaway home; stdout. */
async function gpgOut (args: string[], setup?: (home: Gpg) => Promise<void>): Promise<string> {
  const home = await gpgHome()
  try {
    await setup?.(home)
    const { stdout } = await run('gpg', ['--batch', ...args], { env: { ...process.env, GNUPGHOME: home.home } })
    return stdout
  } finally {
    await home.dispose()
  }
}

/** The key ids of a message's public-key session key packets, as gpg lists them (without trying to decrypt). */
async function recipientIds (file: string): Promise<string[]> {
  const packets = await gpgOut(['--list-only', '--list-packets', file])
  return [...packets.matchAll(/:pubkey enc packet: .*keyid ([0-9A-F]{16})/g)].map((m) => m[1]!).sort()
}

/** The key id of the encryption subkey of a public key file, as gpg sees it. */
async function encryptionKeyId (publicFile: string): Promise<string> {
  const listing = await gpgOut(['--with-colons', '--list-keys'], (home) => home.importKey(publicFile))
  return /^sub:[^:]*:[^:]*:[^:]*:([0-9A-F]{16}):[^\n]*:e[^:]*:/m.exec(listing)![1]!
}

test.serial('transfer re-encrypts every item to exactly the --to keys, and the receiving force opens it with gpg and with candour', async (t) => {
  const out = path.join(root, 'to-met.zip')
  const result = await transfer(exported, keys.get('met')!.public, out)
  t.is(result.code, 0, result.stderr)
  t.regex(result.stdout, /receiving key:\n {2}fingerprint: [0-9A-F]{40}\n[\s\S]*verdict: usable/)
  t.regex(result.stdout, /wrote .*to-met\.zip, encrypted to [0-9A-F]{40} only/)

  const entries = await readZip(out)
  t.deepEqual([...entries.keys()], ['01-report.gpg', '02-contact.gpg', '03-attachment.gpg', 'manifest.json'])
  const original = JSON.parse(await readFile(path.join(exported, 'manifest.json'), 'utf8')) as { items: Array<{ size: number }> }
  const copied = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { items: Array<{ file: string; size: number }> }
  t.deepEqual({ ...copied, items: copied.items.map((i) => ({ ...i, size: 0 })) }, { ...original, items: original.items.map((i) => ({ ...i, size: 0 })) }, 'the manifest is the original but for sizes')
  const metId = await encryptionKeyId(keys.get('met')!.public)
  const kentId = await encryptionKeyId(keys.get('kent')!.public)
  for (const [name, bytes] of entries) {
    if (name === 'manifest.json') continue
    t.is(copied.items.find((i) => i.file === name)!.size, bytes.length, `${name} size in the manifest`)
    const file = path.join(root, `check-${name}`)
    await writeFile(file, bytes)
    t.deepEqual(await recipientIds(file), [metId], `${name} is encrypted to the receiving key only`)
    t.notRegex(await gpgOut(['--list-only', '--list-packets', file]), /aead/i)
  }
  const plain = async (name: string): Promise<Buffer> => {
    const file = path.join(root, `check-${name}`)
    return gpg.decryptFile(file, PASS)
  }
  t.true((await plain('01-report.gpg')).toString('utf8').includes(marker))
  t.true((await plain('02-contact.gpg')).toString('utf8').includes('07700 900456'))
  t.true((await plain('03-attachment.gpg')).equals(attachment))
  const { stdout: inner } = await run('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', PASS, '--list-packets', path.join(root, 'check-03-attachment.gpg')], { env: { ...process.env, GNUPGHOME: gpg.home } })
  t.regex(inner, /name="ledger\.xlsx"/, 'the literal packet keeps the file name')
  t.deepEqual(await recipientIds(path.join(exported, '03-attachment.gpg')), [kentId], 'the original was for kent alone')

  const opened = path.join(root, 'met-opens')
  const decrypted = await candour(['decrypt', out, '--key', keys.get('met')!.secret, '--out', opened, '--passphrase-file', passFile])
  t.is(decrypted.code, 0, decrypted.stderr)
  t.deepEqual(await listFiles(opened), ['attachments/ledger.xlsx', 'contact.txt', 'manifest.json', 'report.txt'])
  t.deepEqual(await readFile(path.join(opened, 'attachments/ledger.xlsx')), attachment)

  const refused = await candour(['decrypt', out, '--key', keys.get('kent')!.secret, '--out', path.join(root, 'kent-cannot'), '--passphrase-file', passFile])
  t.regex(refused.stderr, /KEY_MISMATCH/)
})

test.serial('transfer to a folder of keys encrypts to each of them', async (t) => {
  const other = await gpgHome()
  t.teardown(() => other.dispose())
  const fingerprint = await other.generate('Met second reviewer <two@met.invalid>', 'future-default', 'default', 'never')
  const folder = path.join(root, 'met-keys')
  await mkdir(folder)
  await copyFile(keys.get('met')!.public, path.join(folder, 'a.asc'))
  await writeFile(path.join(folder, 'b.asc'), await other.exportPublic(fingerprint))
  const out = path.join(root, 'to-both.zip')
  const result = await transfer(exported, folder, out)
  t.is(result.code, 0, result.stderr)
  const entries = await readZip(out)
  const file = path.join(root, 'both-report.gpg')
  await writeFile(file, entries.get('01-report.gpg')!)
  const expected = [await encryptionKeyId(keys.get('met')!.public), await encryptionKeyId(path.join(folder, 'b.asc'))].sort()
  t.deepEqual(await recipientIds(file), expected)
})

test.serial('transfer refuses unusable receiving keys, an existing output, and a damaged item, leaving nothing behind', async (t) => {
  const weak = await gpgHome()
  t.teardown(() => weak.dispose())
  const small = await weak.generate('Weak <weak@unit.invalid>', 'rsa2048', 'default', 'never')
  const weakFile = path.join(root, 'weak.asc')
  await writeFile(weakFile, await weak.exportPublic(small))
  const outDir = path.join(root, 'refusals')
  await mkdir(outDir)

  const secretTo = await transfer(exported, keys.get('met')!.secret, path.join(outDir, 'a.zip'))
  t.is(secretTo.code, 1)
  t.regex(secretTo.stdout, /problem: contains secret key material/)
  t.regex(secretTo.stderr, /^candour: KEY_INVALID: a receiving key is unusable\n$/)
  const weakTo = await transfer(exported, weakFile, path.join(outDir, 'b.zip'))
  t.regex(weakTo.stdout, /problem: primary key algorithm rsa 2048 bits/)
  t.regex(weakTo.stderr, /KEY_INVALID/)
  await writeFile(path.join(outDir, 'taken.zip'), 'mine')
  const taken = await transfer(exported, keys.get('met')!.public, path.join(outDir, 'taken.zip'))
  t.regex(taken.stderr, /^candour: OUTPUT_EXISTS: the output file already exists\n$/)
  t.is(await readFile(path.join(outDir, 'taken.zip'), 'utf8'), 'mine')

  // One bit flipped in the attachment: the integrity check fails at its end, after most of it was re-encrypted.
  const damaged = path.join(root, 'damaged')
  await mkdir(damaged)
  for (const name of await readdir(exported)) await copyFile(path.join(exported, name), path.join(damaged, name))
  const handle = await open(path.join(damaged, '03-attachment.gpg'), 'r+')
  const at = Math.floor((await handle.stat()).size / 2)
  const byte = Buffer.alloc(1)
  await handle.read(byte, 0, 1, at)
  byte[0] = byte[0]! ^ 0x40
  await handle.write(byte, 0, 1, at)
  await handle.close()
  const broken = await transfer(damaged, keys.get('met')!.public, path.join(outDir, 'c.zip'))
  t.is(broken.code, 1)
  t.regex(broken.stderr, /^candour: MESSAGE_DAMAGED: an encrypted item is damaged or incomplete\n$/)
  t.deepEqual((await readdir(outDir)).sort(), ['taken.zip'], 'no zip and no partial file left')
})

test.serial("the server's transfer code accepts the zip, and the receiving force decrypts its next export", async (t) => {
  const out = path.join(root, 'for-server.zip')
  const made = await transfer(exported, keys.get('met')!.public, out)
  t.is(made.code, 0, made.stderr)
  await service.close()
  const kv = await openLevelKv(service.dataDir)
  try {
    const bytes = await readFile(out)
    const report = await transferReport(kv, await forceKeys(service.config, ['kent', 'met']), { reportId: path.basename(exported), from: 'kent', to: 'met', bundle: { chunks: [bytes], size: bytes.length } })
    t.is(report.force, 'met')
  } finally {
    await kv.close()
  }
  const again = await candour(['export', '--force', 'met', '--out', path.join(root, 'export-met')], { env: { DATA_DIR: service.dataDir } })
  t.is(again.code, 0, again.stderr)
  const opened = path.join(root, 'met-export-opened')
  const result = await candour(['decrypt', path.join(root, 'export-met', path.basename(exported)), '--key', keys.get('met')!.secret, '--out', opened, '--passphrase-file', passFile])
  t.is(result.code, 0, result.stderr)
  t.true((await readFile(path.join(opened, 'report.txt'), 'utf8')).includes(marker))
  t.deepEqual(await readFile(path.join(opened, 'attachments/ledger.xlsx')), attachment)
})
