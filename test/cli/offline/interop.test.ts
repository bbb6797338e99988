/**
 * The paths of issue 5, end to end with the real programs: reports sent to a
 * running service over HTTP, exported with `candour export`, then opened on
 * the "offline machine" by `gpg --decrypt` (GnuPG 2.2), by Sequoia's `sq`
 * where installed, and by `candour decrypt`, under unit keys made both by
 * `candour keys generate` (Curve25519, RSA 4096) and by `gpg --quick-gen-key`
 * (default and future-default, one protected by a passphrase).
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { gpgHome, type Gpg } from '../../helpers/gpg.js'
import { candour, generateUnitKey, haveSq, listFiles, onTerminal, removeAll, tempDir, zipFolder } from '../../helpers/offline.js'
import { startTestService, type TestService } from '../../helpers/service.js'
import { submitReport } from '../../helpers/submit.js'

const run = promisify(execFile)
const UNIT_PASS = 'interop unit passphrase'
const GPG_PASS = 'gpg made this passphrase'

interface Unit {
  readonly force: string
  /** Armored secret key file as the unit keeps it. */
  readonly secret: string
  /** Its passphrase, if protected. */
  readonly passphrase?: string
  readonly marker: string
  readonly contact: string
  readonly attachment: Buffer
  readonly attachmentName: string
  /** The exported report folder. */
  exported: string
}

let root: string
let service: TestService
let maker: Gpg
const units = new Map<string, Unit>()
const REPLY = 'We have received your report and an officer is assessing it.'

async function dataCandour (args: string[]): Promise<string> {
  const result = await candour(args, { env: { DATA_DIR: service.dataDir, KEYS_DIR: service.keysDir } })
  if (result.code !== 0) throw new Error(result.stderr)
  return result.stdout
}

async function exportOf (force: string, dir: string): Promise<string> {
  await dataCandour(['export', '--force', force, '--out', dir])
  const [id] = await readdir(dir)
  return path.join(dir, id!)
}

test.before(async () => {
  root = await tempDir()
  const keysDir = path.join(root, 'keys')
  const passFile = path.join(root, 'pass')
  await writeFile(passFile, UNIT_PASS)
  const secrets = new Map<string, { secret: string; passphrase?: string }>()
  for (const [force, type] of [['kent', 'curve25519'], ['met', 'rsa4096']] as const) {
    const { secretFile, publicFile } = await generateUnitKey(force, path.join(root, `unit-${force}`), passFile, type)
    await mkdir(path.join(keysDir, force), { recursive: true })
    await copyFile(publicFile, path.join(keysDir, force, 'unit.asc'))
    secrets.set(force, { secret: secretFile, passphrase: UNIT_PASS })
  }
  maker = await gpgHome()
  const durham = await maker.generate('Durham PSD <psd@durham.invalid>', 'default', 'default', 'never')
  const dorset = await maker.generate('Dorset PSD <psd@dorset.invalid>', 'future-default', 'default', 'never', { passphrase: GPG_PASS })
  for (const [force, fingerprint, passphrase] of [['durham', durham, undefined], ['dorset', dorset, GPG_PASS]] as const) {
    await mkdir(path.join(keysDir, force), { recursive: true })
    await writeFile(path.join(keysDir, force, 'unit.asc'), await maker.exportPublic(fingerprint))
    const secret = path.join(root, `${force}.secret.asc`)
    await writeFile(secret, await maker.exportSecret(fingerprint, passphrase))
    secrets.set(force, passphrase === undefined ? { secret } : { secret, passphrase })
  }

  service = await startTestService({ KEYS_DIR: keysDir })
  for (const [force, key] of secrets) {
    if (service.demoForces.includes(force)) throw new Error(`${force} has no usable key`)
    const unit: Unit = {
      force,
      ...key,
      marker: `REPORT-${force}-${randomBytes(6).toString('hex')}`,
      contact: `CONTACT-${force} 07700 900${Math.floor(Math.random() * 900 + 100)}`,
      attachment: randomBytes(300_000),
      attachmentName: `scan of ${force}'s notebook.pdf`,
      exported: '',
    }
    await submitReport(service.url, { force, category: 'bribery', message: unit.marker, anonymity: 'contact', contact: unit.contact }, [{ name: unit.attachmentName, content: unit.attachment }])
    units.set(force, unit)
  }
  // Kent's report also gets a reply, so its bundle holds a reply item too.
  const first = await exportOf('kent', path.join(root, 'export-kent-first'))
  const replyFile = path.join(root, 'reply.txt')
  await writeFile(replyFile, REPLY)
  await dataCandour(['reply', '--report', path.basename(first), '--text-file', replyFile])
  for (const unit of units.values()) unit.exported = await exportOf(unit.force, path.join(root, `export-${unit.force}`))
})

test.after.always(async () => {
  await service?.dispose()
  await maker?.dispose()
  await removeAll(root)
})

function unit (force: string): Unit {
  return units.get(force)!
}

async function checkPlaintexts (t: import('ava').ExecutionContext, u: Unit, open: (file: string) => Promise<Buffer>): Promise<void> {
  const files = (await readdir(u.exported)).filter((n) => n.endsWith('.gpg')).sort()
  t.deepEqual(files, u.force === 'kent'
    ? ['01-report.gpg', '02-contact.gpg', '03-attachment.gpg', '04-reply.gpg']
    : ['01-report.gpg', '02-contact.gpg', '03-attachment.gpg'])
  t.true((await open('01-report.gpg')).toString('utf8').includes(u.marker), `${u.force} report`)
  t.true((await open('02-contact.gpg')).toString('utf8').includes(u.contact), `${u.force} contact`)
  t.true((await open('03-attachment.gpg')).equals(u.attachment), `${u.force} attachment`)
  if (u.force === 'kent') t.is((await open('04-reply.gpg')).toString('utf8'), REPLY + '\n')
}

async function gpgOpens (t: import('ava').ExecutionContext, force: string): Promise<void> {
  const u = unit(force)
  const gpg = await gpgHome()
  try {
    await gpg.importKey(u.secret, u.passphrase)
    await checkPlaintexts(t, u, (file) => gpg.decryptFile(path.join(u.exported, file), u.passphrase))
    // The literal packet carries the attachment's name; the packets are SEIPDv1 with MDC, no AEAD.
    const packets = await gpg.listPackets(path.join(u.exported, '03-attachment.gpg'))
    t.regex(packets, /mdc_method: 2/)
    t.notRegex(packets, /aead/i)
  } finally {
    await gpg.dispose()
  }
}

test('gpg --decrypt opens server exports under keys from `candour keys generate` (curve25519 and rsa4096)', async (t) => {
  await gpgOpens(t, 'kent')
  await gpgOpens(t, 'met')
})

test('gpg --decrypt opens server exports under keys gpg generated itself (default and future-default) with their public half in keys/', async (t) => {
  await gpgOpens(t, 'durham')
  await gpgOpens(t, 'dorset')
})

test('sq decrypts the same exports where installed', async (t) => {
  if (!await haveSq()) {
    t.log('sq is not installed: skipped')
    t.pass()
    return
  }
  for (const u of units.values()) {
    const out = path.join(root, `sq-${u.force}`)
    await mkdir(out, { recursive: true })
    await checkPlaintexts(t, u, async (file) => {
      const target = path.join(out, `${file}.out`)
      const argv = ['sq', 'decrypt', '--recipient-key', u.secret, '--output', target, path.join(u.exported, file)]
      if (u.passphrase === undefined) await run(argv[0]!, argv.slice(1))
      else {
        // sq 0.27 reads a key's password only from the terminal.
        const { code, screen } = await onTerminal(argv, [{ after: /Enter password to decrypt key/, send: u.passphrase + '\r' }])
        if (code !== 0) throw new Error(screen)
      }
      return readFile(target)
    })
  }
})

async function candourOpens (t: import('ava').ExecutionContext, u: Unit, bundle: string, out: string): Promise<string> {
  const passFile = path.join(root, `pass-${u.force}`)
  if (u.passphrase !== undefined) await writeFile(passFile, u.passphrase + '\n')
  const result = await candour(['decrypt', bundle, '--key', u.secret, '--out', out, ...(u.passphrase === undefined ? [] : ['--passphrase-file', passFile])])
  t.is(result.code, 0, result.stderr)
  t.true((await readFile(path.join(out, 'report.txt'), 'utf8')).includes(u.marker))
  t.true((await readFile(path.join(out, 'contact.txt'), 'utf8')).includes(u.contact))
  t.deepEqual(await readFile(path.join(out, 'attachments', u.attachmentName)), u.attachment)
  t.deepEqual(await readFile(path.join(out, 'manifest.json')), await readFile(path.join(u.exported, 'manifest.json')))
  return result.stdout
}

test('candour decrypt opens exports encrypted to gpg-generated keys exported with --export-secret-keys --armor, without and with a passphrase', async (t) => {
  // Durham's key has no passphrase: no prompt, no passphrase file, no terminal needed.
  await candourOpens(t, unit('durham'), unit('durham').exported, path.join(root, 'open-durham'))
  await candourOpens(t, unit('dorset'), unit('dorset').exported, path.join(root, 'open-dorset'))
})

test('candour decrypt opens exports under its own keys, as a folder and as a zip, replies included', async (t) => {
  const kent = unit('kent')
  const folderOut = path.join(root, 'open-kent')
  await candourOpens(t, kent, kent.exported, folderOut)
  t.deepEqual(await listFiles(folderOut), ['attachments/' + kent.attachmentName, 'contact.txt', 'manifest.json', 'reply-01.txt', 'report.txt'])
  t.is(await readFile(path.join(folderOut, 'reply-01.txt'), 'utf8'), REPLY + '\n')
  const zip = await zipFolder(kent.exported, path.join(root, 'kent.zip'))
  await candourOpens(t, kent, zip, path.join(root, 'open-kent-zip'))
  const met = unit('met')
  await candourOpens(t, met, met.exported, path.join(root, 'open-met'))
})
