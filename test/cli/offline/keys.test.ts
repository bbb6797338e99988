/** `candour keys generate` and `keys check`, run as a reviewer runs them, and their keys read by the real GnuPG. */
import test from 'ava'
import { execFile } from 'node:child_process'
import { readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { gpgHome } from '../../helpers/gpg.js'
import { candour, candourOnTerminal, removeAll, tempDir, unitKeyFiles } from '../../helpers/offline.js'

const run = promisify(execFile)
const PASSPHRASE = 'a long unit passphrase 1'

for (const type of ['curve25519', 'rsa4096'] as const) {
  test(`keys generate (${type}) writes a v4 pair that GnuPG 2.2 imports and keys check passes`, async (t) => {
    const dir = await tempDir()
    t.teardown(() => removeAll(dir))
    const passFile = path.join(dir, 'pass')
    await writeFile(passFile, PASSPHRASE + '\n')
    const result = await candour(['keys', 'generate', '--force', 'kent', '--type', type, '--out', path.join(dir, 'keys'), '--passphrase-file', passFile])
    t.is(result.code, 0, result.stderr)
    const fingerprint = /^fingerprint: ([0-9A-F]{40})$/m.exec(result.stdout)?.[1]
    t.truthy(fingerprint)
    const { publicFile, secretFile } = await unitKeyFiles(path.join(dir, 'keys'))
    t.is(path.basename(publicFile), `kent-${fingerprint!.slice(-16)}.public.asc`)
    t.is((await stat(secretFile)).mode & 0o777, 0o600)
    t.regex(await readFile(publicFile, 'utf8'), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/)
    t.regex(await readFile(secretFile, 'utf8'), /^-----BEGIN PGP PRIVATE KEY BLOCK-----/)

    // GnuPG reads the packets: v4 keys, no SEIPDv2 (0x08) in the features, the secret half protected.
    const gpg = await gpgHome()
    t.teardown(() => gpg.dispose())
    const packets = await gpg.listPackets(secretFile)
    t.notRegex(packets, /version [56]/)
    t.regex(packets, /:secret key packet:\s+version 4/)
    t.regex(packets, /protec/)
    const features = [...packets.matchAll(/features: ([0-9a-f]{2})/g)].map((m) => parseInt(m[1]!, 16))
    t.true(features.length > 0)
    t.true(features.every((f) => (f & 0x08) === 0))
    t.regex(packets, type === 'rsa4096' ? /pkey\[0\]: \[4096 bits\]/ : /algo 22[\s\S]*algo 18/)
    await gpg.importKey(secretFile, PASSPHRASE)
    const { stdout: listed } = await run('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env: { ...process.env, GNUPGHOME: gpg.home } })
    t.regex(listed, new RegExp(`fpr:+${fingerprint}:`))

    const check = await candour(['keys', 'check', publicFile])
    t.is(check.code, 0, check.stdout + check.stderr)
    t.regex(check.stdout, new RegExp(`fingerprint: ${fingerprint}`))
    t.regex(check.stdout, type === 'rsa4096' ? /algorithm: RSA\n {2}size: 4096 bits/ : /algorithm: Curve25519 .*\n {2}size: 255 bits/)
    t.regex(check.stdout, /expires: never\n {2}problems: none\n {2}verdict: usable/)
    t.regex(check.stdout, /user id: Kent Police Professional Standards/)
  })
}

test('keys generate asks for the passphrase twice at a terminal and echoes neither', async (t) => {
  const dir = await tempDir()
  t.teardown(() => removeAll(dir))
  const secret = 'terminal passphrase 42'
  const { code, screen } = await candourOnTerminal(['keys', 'generate', '--force', 'met', '--out', dir], [
    { after: /Passphrase for the new secret key: $/, send: secret + '\r' },
    { after: /Repeat the passphrase: $/, send: secret + '\r' },
  ])
  t.is(code, 0, screen)
  t.false(screen.includes(secret), 'the passphrase is never echoed')
  t.regex(screen, /fingerprint: [0-9A-F]{40}/)
  const { secretFile } = await unitKeyFiles(dir)
  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  await gpg.importKey(secretFile, secret)

  const other = await tempDir()
  t.teardown(() => removeAll(other))
  const differ = await candourOnTerminal(['keys', 'generate', '--force', 'met', '--out', other], [
    { after: /Passphrase for the new secret key: $/, send: secret + '\r' },
    { after: /Repeat the passphrase: $/, send: 'something else entirely\r' },
  ])
  t.not(differ.code, 0)
  t.regex(differ.screen, /VALIDATION_FAILED: the two passphrases differ/)
  t.deepEqual(await readdir(other), [])
})

test('keys generate refuses an unknown force, an unknown type, a short passphrase, and no terminal without --passphrase-file', async (t) => {
  const dir = await tempDir()
  t.teardown(() => removeAll(dir))
  const short = path.join(dir, 'short')
  await writeFile(short, 'too short\n')
  const good = path.join(dir, 'good')
  await writeFile(good, PASSPHRASE)
  const out = path.join(dir, 'out')
  const cases: Array<[string[], RegExp]> = [
    [['--force', 'atlantis', '--out', out, '--passphrase-file', good], /FORCE_UNKNOWN/],
    [['--force', 'kent', '--type', 'dsa1024', '--out', out, '--passphrase-file', good], /VALIDATION_FAILED: key type must be curve25519 or rsa4096/],
    [['--force', 'kent', '--out', out, '--passphrase-file', short], /VALIDATION_FAILED: passphrase too short/],
    [['--force', 'kent', '--out', out], /VALIDATION_FAILED: no terminal to ask for the passphrase: use --passphrase-file/],
  ]
  for (const [args, error] of cases) {
    const result = await candour(['keys', 'generate', ...args])
    t.is(result.code, 1)
    t.regex(result.stderr, error)
  }
  t.deepEqual(await readdir(dir), ['good', 'short'], 'nothing was written')
})

test('keys check gives a verdict per key and fails when any key is unusable', async (t) => {
  const dir = await tempDir()
  t.teardown(() => removeAll(dir))
  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  const good = await gpg.generate('Good <good@unit.invalid>', 'future-default', 'default', 'never')
  const small = await gpg.generate('Small <small@unit.invalid>', 'rsa2048', 'default', 'never')
  const expired = await gpg.generate('Old <old@unit.invalid>', 'rsa3072', 'default', '2020-06-01', { fakedTime: '20200101T000000' })
  await mkdir(path.join(dir, 'keys', 'kent'), { recursive: true })
  await writeFile(path.join(dir, 'keys', 'kent', 'a-good.asc'), await gpg.exportPublic(good))
  await writeFile(path.join(dir, 'keys', 'kent', 'b-small.asc'), await gpg.exportPublic(small))
  await writeFile(path.join(dir, 'keys', 'kent', 'c-expired.asc'), await gpg.exportPublic(expired))
  await writeFile(path.join(dir, 'keys', 'kent', 'd-secret.asc'), await gpg.exportSecret(good))
  await writeFile(path.join(dir, 'keys', 'kent', 'e-garbage.asc'), 'not a key at all\n')

  const result = await candour(['keys', 'check', path.join(dir, 'keys')])
  t.is(result.code, 1)
  t.regex(result.stderr, /KEY_INVALID: one or more keys are unusable/)
  const blocks = result.stdout.split(/\n(?=\/)/)
  t.is(blocks.length, 5)
  t.regex(blocks[0]!, new RegExp(`a-good\\.asc\\n  fingerprint: ${good}[\\s\\S]*algorithm: Curve25519[\\s\\S]*problems: none\\n  verdict: usable`))
  t.regex(blocks[1]!, new RegExp(`fingerprint: ${small}[\\s\\S]*size: 2048 bits[\\s\\S]*problem: primary key algorithm rsa 2048 bits is not RSA >= 3072[\\s\\S]*verdict: UNUSABLE`))
  t.regex(blocks[2]!, /expires: 2020-06-01[\s\S]*problem: expired[\s\S]*verdict: UNUSABLE/)
  t.regex(blocks[3]!, /problem: contains secret key material[\s\S]*verdict: UNUSABLE/)
  t.regex(blocks[4]!, /e-garbage\.asc\n {2}problem: not an armored OpenPGP key\n {2}verdict: UNUSABLE/)
  t.regex(result.stdout, /1 usable key\(s\), 4 unusable\n$/)

  const alone = await candour(['keys', 'check', path.join(dir, 'keys', 'kent', 'a-good.asc')])
  t.is(alone.code, 0)
})
