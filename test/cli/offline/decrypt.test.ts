/**
 * `candour decrypt` on bundles made with the server's own encryption code:
 * the folder it writes, hostile names in literal data packets, metadata,
 * mat2, the terminal prompt and progress, and every refusal.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, stat, symlink, truncate, writeFile, open } from 'node:fs/promises'
import path from 'node:path'
import * as openpgp from 'openpgp'
import { recipientsFromArmored, type RecipientKeys } from '../../../src/crypto/keys.js'
import { inspectMetadata } from '../../../src/cli/offline/metadata.js'
import { candour, candourOnTerminal, generateUnitKey, listFiles, removeAll, tempDir, writeBundleFolder, zipFolder, type TestItem } from '../../helpers/offline.js'
import { docxWithAuthors, jpegWithExif, pdfWithInfo, pngWithText } from '../../helpers/metadata-samples.js'

const PASSPHRASE = 'offline machine passphrase'
let root: string
let keyFile: string
let otherKeyFile: string
let passFile: string
let recipients: RecipientKeys
let publicArmored: string

async function generate (force: string, dir: string): Promise<{ secret: string; publicKey: string; recipients: RecipientKeys }> {
  const { secretFile, publicFile } = await generateUnitKey(force, dir, passFile)
  const publicKey = await readFile(publicFile, 'utf8')
  return { secret: secretFile, publicKey, recipients: await recipientsFromArmored(publicKey) }
}

test.before(async () => {
  root = await tempDir()
  passFile = path.join(root, 'pass')
  await writeFile(passFile, PASSPHRASE + '\n')
  const unit = await generate('kent', path.join(root, 'unit'))
  const other = await generate('met', path.join(root, 'other'))
  keyFile = unit.secret
  recipients = unit.recipients
  publicArmored = unit.publicKey
  otherKeyFile = other.secret
})

test.after.always(() => removeAll(root))

const encoder = new TextEncoder()

async function bundle (name: string, items: readonly TestItem[], replies: readonly TestItem[] = []): Promise<string> {
  return writeBundleFolder(path.join(root, name), recipients, items, replies)
}

function decrypt (bundlePath: string, out: string, ...extra: string[]): ReturnType<typeof candour> {
  return candour(['decrypt', bundlePath, '--key', keyFile, '--out', out, '--passphrase-file', passFile, ...extra])
}

const REPORT = encoder.encode('CANDOUR REPORT\nWhat happened:\nThe sergeant took cash.\n')
const CONTACT = encoder.encode('CANDOUR CONTACT DETAILS\n\nphone 07700 900123\n')

test('decrypt writes the report, the contact details apart, follow-ups, replies, attachments by name, other kinds, and the manifest', async (t) => {
  const photo = jpegWithExif({ artist: 'Jane Reporter', make: 'Canon', latitude: 51.5014, longitude: -0.1419 })
  const png = pngWithText('Author', 'Jane Reporter')
  const pdf = pdfWithInfo('Jane Reporter', 'Scanner 3000')
  const docx = await docxWithAuthors('J. Reporter', 'PC 123 Smith', 'Kent Police')
  const plain = randomBytes(70_000)
  const dir = await bundle('full', [
    { kind: 'report', filename: 'report.txt', content: REPORT },
    { kind: 'contact', filename: 'contact.txt', content: CONTACT },
    { kind: 'attachment', filename: 'photo.jpg', content: photo },
    { kind: 'attachment', filename: 'photo.jpg', content: plain },
    { kind: 'attachment', filename: 'notes.png', content: png },
    { kind: 'attachment', filename: 'statement.pdf', content: pdf },
    { kind: 'attachment', filename: 'minutes.docx', content: docx },
    { kind: 'further-information', filename: 'further-information.txt', content: encoder.encode('More: he did it again.\n') },
    { kind: 'voice-note', filename: 'memo.ogg', content: encoder.encode('not really ogg') },
  ], [{ kind: 'reply', filename: 'reply.txt', content: encoder.encode('Thank you, we are looking into it.\n') }])
  const out = path.join(root, 'full-out')
  const dataDir = path.join(root, 'no-data-dir')
  const result = await candour(['decrypt', dir, '--key', keyFile, '--out', out, '--passphrase-file', passFile], { env: { DATA_DIR: dataDir } })
  t.is(result.code, 0, result.stderr)

  t.deepEqual(await listFiles(out), [
    'attachments/minutes.docx', 'attachments/notes.png', 'attachments/photo-2.jpg', 'attachments/photo.jpg', 'attachments/statement.pdf',
    'contact.txt', 'further-information-01.txt', 'manifest.json', 'other/memo.ogg', 'reply-01.txt', 'report.txt',
  ])
  t.deepEqual(await readFile(path.join(out, 'report.txt')), Buffer.from(REPORT))
  t.deepEqual(await readFile(path.join(out, 'contact.txt')), Buffer.from(CONTACT))
  t.deepEqual(await readFile(path.join(out, 'attachments/photo.jpg')), photo)
  t.deepEqual(await readFile(path.join(out, 'attachments/photo-2.jpg')), plain)
  t.is(await readFile(path.join(out, 'reply-01.txt'), 'utf8'), 'Thank you, we are looking into it.\n')
  t.is(await readFile(path.join(out, 'further-information-01.txt'), 'utf8'), 'More: he did it again.\n')
  t.deepEqual(await readFile(path.join(out, 'manifest.json')), await readFile(path.join(dir, 'manifest.json')))
  t.is((await stat(path.join(out, 'attachments/photo.jpg'))).mode & 0o777, 0o600)
  t.is((await stat(path.join(out, 'attachments'))).mode & 0o777, 0o700)

  t.regex(result.stdout, /^02-contact\.gpg -> contact\.txt {2}\(contact details: keep this file apart from the case file\)$/m)
  t.regex(result.stdout, /^03-attachment\.gpg -> attachments\/photo\.jpg$/m)
  t.regex(result.stdout, /^10-reply\.gpg -> reply-01\.txt$/m)
  // The metadata that could identify the reporter, format by format.
  t.regex(result.stdout, /attachments\/photo\.jpg: JPEG metadata that may identify the reporter:\n {2}GPS position: 51\.501400, -0\.141900\n {2}Make: Canon\n {2}Artist: Jane Reporter/)
  t.regex(result.stdout, /attachments\/notes\.png: PNG metadata[^\n]*\n {2}PNG text "Author": Jane Reporter/)
  t.regex(result.stdout, /attachments\/statement\.pdf: PDF metadata[^\n]*\n {2}PDF Author: Jane Reporter\n {2}PDF Creator: Writer\n {2}PDF Producer: Scanner 3000/)
  t.regex(result.stdout, /attachments\/minutes\.docx: Office document metadata[^\n]*\n {2}creator \(docProps\/core\.xml\): J\. Reporter\n {2}lastModifiedBy \(docProps\/core\.xml\): PC 123 Smith\n {2}Company \(docProps\/app\.xml\): Kent Police/)
  t.notRegex(result.stdout, /photo-2\.jpg:/, 'a file of no known format is not reported')
  t.regex(result.stdout, /decrypted 10 item\(s\) into /)
  t.false(existsSync(dataDir), 'the offline command never opens the store')
})

test('a zip bundle (the reviewer workspace download layout) decrypts like a report folder', async (t) => {
  const evidence = randomBytes(3 * 1024 * 1024 + 5)
  const dir = await bundle('zipped', [
    { kind: 'report', filename: 'report.txt', content: REPORT },
    { kind: 'attachment', filename: 'évidence 1.bin', content: evidence },
  ])
  const zip = await zipFolder(dir, path.join(root, 'zipped.zip'))
  const out = path.join(root, 'zipped-out')
  const result = await decrypt(zip, out)
  t.is(result.code, 0, result.stderr)
  t.deepEqual(await listFiles(out), ['attachments/évidence 1.bin', 'manifest.json', 'report.txt'])
  t.deepEqual(await readFile(path.join(out, 'attachments/évidence 1.bin')), evidence)
  t.deepEqual(await readFile(path.join(out, 'report.txt')), Buffer.from(REPORT))
})

test('hostile names in literal data packets never leave --out and never replace a file', async (t) => {
  const hostile = ['../../etc/passwd', '/etc/shadow', '..', '', '.bashrc', 'a/../../../b.txt', 'C:\\Windows\\evil.exe', 'report.txt', 'x\u001b[31mred\u0007.txt', 'nul\u0000byte.txt']
  const dir = await bundle('hostile', hostile.map((filename, i) => ({ kind: 'attachment', filename, content: encoder.encode(`content ${i}`) })))
  // The first one crafted directly with openpgp.js, as any sender could, rather than by the server's code.
  const crafted = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: encoder.encode('content 0'), filename: '../../etc/passwd', format: 'binary' }),
    encryptionKeys: await openpgp.readKey({ armoredKey: publicArmored }),
    format: 'binary',
  })
  await writeFile(path.join(dir, '01-attachment.gpg'), crafted)
  const parent = path.join(root, 'hostile-parent')
  const out = path.join(parent, 'out')
  const result = await decrypt(dir, out)
  t.is(result.code, 0, result.stderr)
  t.deepEqual(await readdir(parent), ['out'], 'nothing was written beside --out')
  const files = await listFiles(out)
  t.deepEqual(files, [
    'attachments/attachment', 'attachments/attachment-2', 'attachments/b.txt', 'attachments/bashrc', 'attachments/evil.exe',
    'attachments/nulbyte.txt', 'attachments/passwd', 'attachments/report.txt', 'attachments/shadow', 'attachments/x[31mred.txt', 'manifest.json',
  ])
  t.is(await readFile(path.join(out, 'attachments/passwd'), 'utf8'), 'content 0')
  t.false(result.stdout.includes('\u001b'), 'no control character reaches the terminal')
})

test('a wrong passphrase, a wrong key, a truncated or tampered item each fail with their own code and leave no file that looks complete', async (t) => {
  const big = randomBytes(3 * 1024 * 1024)
  const dir = await bundle('broken', [
    { kind: 'report', filename: 'report.txt', content: REPORT },
    { kind: 'attachment', filename: 'big.bin', content: big },
  ])
  const wrongPass = path.join(root, 'wrong-pass')
  await writeFile(wrongPass, 'not the passphrase at all\n')
  const cases: Array<[string, () => Promise<{ code: number; stderr: string }>, RegExp]> = [
    ['wrong passphrase', () => candour(['decrypt', dir, '--key', keyFile, '--out', path.join(root, 'o1'), '--passphrase-file', wrongPass]), /^candour: PASSPHRASE_WRONG: wrong passphrase for the secret key\n$/],
    ['wrong key', () => candour(['decrypt', dir, '--key', otherKeyFile, '--out', path.join(root, 'o2'), '--passphrase-file', passFile]), /^candour: KEY_MISMATCH: an encrypted item is not encrypted to this key\n$/],
  ]
  for (const [name, run, error] of cases) {
    const result = await run()
    t.is(result.code, 1, name)
    t.regex(result.stderr, error, name)
  }
  t.false(existsSync(path.join(root, 'o1')), 'a wrong passphrase creates nothing')
  t.deepEqual(await listFiles(path.join(root, 'o2')).catch(() => []), [])

  // Truncated: the attachment is cut short.
  const truncated = await bundle('truncated', [{ kind: 'report', filename: 'report.txt', content: REPORT }, { kind: 'attachment', filename: 'big.bin', content: big }])
  const item = path.join(truncated, '02-attachment.gpg')
  await truncate(item, (await stat(item)).size - 1000)
  const cut = await decrypt(truncated, path.join(root, 'o3'))
  t.is(cut.code, 1)
  t.regex(cut.stderr, /^candour: MESSAGE_DAMAGED: an encrypted item is damaged or incomplete\n$/)
  t.deepEqual(await listFiles(path.join(root, 'o3')), ['report.txt'], 'no attachment, no partial file, no manifest')

  // Tampered: one bit flipped in the middle; only the integrity check at the end can tell.
  const tampered = await bundle('tampered', [{ kind: 'report', filename: 'report.txt', content: REPORT }, { kind: 'attachment', filename: 'big.bin', content: big }])
  const handle = await open(path.join(tampered, '02-attachment.gpg'), 'r+')
  const middle = Math.floor((await handle.stat()).size / 2)
  const byte = Buffer.alloc(1)
  await handle.read(byte, 0, 1, middle)
  byte[0] = byte[0]! ^ 0x01
  await handle.write(byte, 0, 1, middle)
  await handle.close()
  const flipped = await decrypt(tampered, path.join(root, 'o4'))
  t.is(flipped.code, 1)
  t.regex(flipped.stderr, /MESSAGE_DAMAGED/)
  t.deepEqual(await listFiles(path.join(root, 'o4')), ['report.txt'])

  // Not an OpenPGP message at all.
  const garbage = await bundle('garbage', [{ kind: 'report', filename: 'report.txt', content: REPORT }])
  // A first byte without its top bit is no packet header; wholly random bytes sometimes open with a valid
  // key-packet header (about one run in a hundred), and then the item reads as sent to another key.
  await writeFile(path.join(garbage, '01-report.gpg'), Buffer.concat([Buffer.from([0x2a]), randomBytes(499)]))
  const junk = await decrypt(garbage, path.join(root, 'o5'))
  t.regex(junk.stderr, /MESSAGE_DAMAGED/)
})

test('the bundle is checked first: missing items, unlisted .gpg files and a missing manifest are refused before anything is written', async (t) => {
  const items: TestItem[] = [{ kind: 'report', filename: 'report.txt', content: REPORT }, { kind: 'attachment', filename: 'a.bin', content: encoder.encode('a') }]
  const missing = await bundle('missing', items)
  await rm(path.join(missing, '02-attachment.gpg'))
  const extra = await bundle('extra', items)
  await writeFile(path.join(extra, '03-attachment.gpg'), await readFile(path.join(extra, '02-attachment.gpg')))
  const noManifest = await bundle('no-manifest', items)
  await rm(path.join(noManifest, 'manifest.json'))
  const badManifest = await bundle('bad-manifest', items)
  const manifest = JSON.parse(await readFile(path.join(badManifest, 'manifest.json'), 'utf8')) as { items: Array<{ file: string }> }
  manifest.items[1]!.file = '../../02-attachment.gpg'
  await writeFile(path.join(badManifest, 'manifest.json'), JSON.stringify(manifest))
  const missingZip = await zipFolder(missing, path.join(root, 'missing.zip'))

  const cases: Array<[string, RegExp]> = [
    [missing, /^candour: ITEM_MISSING: an item listed in the manifest is missing from the bundle\n$/],
    [missingZip, /^candour: ITEM_MISSING: /],
    [extra, /^candour: ITEM_UNLISTED: the bundle holds a \.gpg file its manifest does not list\n$/],
    [noManifest, /^candour: BUNDLE_INVALID: no manifest\.json/],
    [badManifest, /^candour: BUNDLE_INVALID: manifest\.json lists an item wrongly\n$/],
    [path.join(root, 'nowhere'), /^candour: BUNDLE_INVALID: the bundle cannot be read\n$/],
    [passFile, /^candour: BUNDLE_INVALID: not a readable zip file\n$/],
  ]
  for (const [location, error] of cases) {
    const out = path.join(root, `refused-${randomBytes(4).toString('hex')}`)
    const result = await decrypt(location, out)
    t.is(result.code, 1, location)
    t.regex(result.stderr, error, location)
    t.false(existsSync(out), 'nothing is created')
  }
})

test('decrypt refuses a non-empty folder unless --force, never replaces what is there, and refuses symlinks', async (t) => {
  const dir = await bundle('into', [{ kind: 'report', filename: 'report.txt', content: REPORT }, { kind: 'attachment', filename: 'a.txt', content: encoder.encode('new a') }])
  const out = path.join(root, 'busy')
  await mkdir(path.join(out, 'attachments'), { recursive: true })
  await writeFile(path.join(out, 'report.txt'), 'my own notes')
  await writeFile(path.join(out, 'attachments', 'a.txt'), 'old a')

  const refused = await decrypt(dir, out)
  t.is(refused.code, 1)
  t.regex(refused.stderr, /^candour: OUTPUT_EXISTS: the output folder is not empty: use --force to write into it\n$/)

  const forced = await decrypt(dir, out, '--force')
  t.is(forced.code, 0, forced.stderr)
  t.is(await readFile(path.join(out, 'report.txt'), 'utf8'), 'my own notes')
  t.deepEqual(await readFile(path.join(out, 'report-2.txt')), Buffer.from(REPORT))
  t.is(await readFile(path.join(out, 'attachments', 'a.txt'), 'utf8'), 'old a')
  t.is(await readFile(path.join(out, 'attachments', 'a-2.txt'), 'utf8'), 'new a')

  // --out itself a symlink, or a symlinked folder inside it: refused, nothing written through it.
  const elsewhere = path.join(root, 'elsewhere')
  await mkdir(elsewhere)
  const linked = path.join(root, 'linked-out')
  await symlink(elsewhere, linked)
  const viaLink = await decrypt(dir, linked)
  t.regex(viaLink.stderr, /^candour: OUTPUT_UNSAFE: /)
  const trap = path.join(root, 'trap')
  await mkdir(trap)
  await symlink(elsewhere, path.join(trap, 'attachments'))
  const viaInner = await decrypt(dir, trap, '--force')
  t.is(viaInner.code, 1)
  t.regex(viaInner.stderr, /OUTPUT_UNSAFE/)
  t.deepEqual(await readdir(elsewhere), [])
  // A symlink where a file would go is left alone: the file takes the next name.
  const planted = path.join(root, 'planted')
  await mkdir(planted)
  await symlink(path.join(elsewhere, 'stolen.txt'), path.join(planted, 'report.txt'))
  const beside = await decrypt(dir, planted, '--force')
  t.is(beside.code, 0, beside.stderr)
  t.false(existsSync(path.join(elsewhere, 'stolen.txt')))
  t.deepEqual(await readFile(path.join(planted, 'report-2.txt')), Buffer.from(REPORT))
})

test('at a terminal: the passphrase is asked without echo and a progress bar is drawn; without one, the command says to use --passphrase-file', async (t) => {
  const dir = await bundle('terminal', [{ kind: 'report', filename: 'report.txt', content: REPORT }, { kind: 'attachment', filename: 'film.bin', content: randomBytes(4 * 1024 * 1024) }])
  const out = path.join(root, 'terminal-out')
  const { code, screen } = await candourOnTerminal(['decrypt', dir, '--key', keyFile, '--out', out], [{ after: /Passphrase of the secret key: $/, send: PASSPHRASE + '\r' }])
  t.is(code, 0, screen)
  t.false(screen.includes(PASSPHRASE))
  t.regex(screen, /02-attachment\.gpg \[#+\] 100% 4\.0\/4\.0 MiB/)
  t.deepEqual(await listFiles(out), ['attachments/film.bin', 'manifest.json', 'report.txt'])

  // Not a terminal (stdout a pipe): no progress drawing at all.
  const piped = await decrypt(dir, path.join(root, 'piped-out'))
  t.false(piped.stdout.includes('\r'))
  t.false(piped.stdout.includes('%'))

  const noTerminal = await candour(['decrypt', dir, '--key', keyFile, '--out', path.join(root, 'no-tty-out')])
  t.is(noTerminal.code, 1)
  t.regex(noTerminal.stderr, /VALIDATION_FAILED: no terminal to ask for the passphrase: use --passphrase-file/)
})

test('--clean writes mat2-cleaned copies beside the originals, and says so plainly when mat2 is missing', async (t) => {
  const photo = jpegWithExif({ artist: 'Jane Reporter', make: 'Canon', latitude: 51.5, longitude: -0.12 })
  const dir = await bundle('clean', [
    { kind: 'report', filename: 'report.txt', content: REPORT },
    { kind: 'attachment', filename: 'photo.jpg', content: photo },
    // A name that mat2's own output for photo.jpg would take: it must not be overwritten.
    { kind: 'attachment', filename: 'photo.cleaned.jpg', content: encoder.encode('evidence, not an image') },
  ])
  const withoutMat2 = await candour(['decrypt', dir, '--key', keyFile, '--out', path.join(root, 'clean-none'), '--passphrase-file', passFile, '--clean'], { env: { PATH: '/nonexistent' } })
  t.is(withoutMat2.code, 0, withoutMat2.stderr)
  t.regex(withoutMat2.stdout, /mat2 is not installed: no cleaned copies were written/)
  t.deepEqual(await listFiles(path.join(root, 'clean-none')), ['attachments/photo.cleaned.jpg', 'attachments/photo.jpg', 'manifest.json', 'report.txt'])

  const mat2 = await candour(['decrypt', dir, '--key', keyFile, '--out', path.join(root, 'probe'), '--passphrase-file', passFile, '--clean'])
  if (/mat2 is not installed/.test(mat2.stdout)) {
    t.log('mat2 is not installed here: only the refusal was checked')
    return
  }
  const out = path.join(root, 'probe')
  t.is(mat2.code, 0, mat2.stderr)
  t.regex(mat2.stdout, /attachments\/photo\.jpg: cleaned copy attachments\/photo\.cleaned-2\.jpg/)
  t.regex(mat2.stdout, /attachments\/photo\.cleaned\.jpg: mat2 could not clean this file/)
  t.deepEqual(await readFile(path.join(out, 'attachments/photo.jpg')), photo, 'the original is untouched')
  t.is(await readFile(path.join(out, 'attachments/photo.cleaned.jpg'), 'utf8'), 'evidence, not an image')
  const before = await inspectMetadata(path.join(out, 'attachments/photo.jpg'))
  const after = await inspectMetadata(path.join(out, 'attachments/photo.cleaned-2.jpg'))
  t.true(before.found.some((line) => line.startsWith('GPS position')))
  t.is(after.format, 'JPEG')
  t.deepEqual(after.found, [])
  t.false((await readdir(out)).some((name) => name.startsWith('.candour-')), 'mat2 work folders are removed')
})
