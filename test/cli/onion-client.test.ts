/** `candour onion-client add`: a key pair in Tor's two file formats, private files, no overwriting, clear refusals. */
import test from 'ava'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { base32Decode, onionClientPublicKey } from '../../src/crypto/onion-client-auth.js'
import { candour, removeAll, tempDir } from '../helpers/offline.js'

const ONION = '2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid'

test('add writes <name>.auth and <name>.auth_private (0600) whose halves belong together', async (t) => {
  const dir = await tempDir('candour-onion-client-')
  t.teardown(() => removeAll(dir))
  const out = path.join(dir, 'keys')
  const result = await candour(['onion-client', 'add', '--name', 'kent-reviewer-1', '--onion', `${ONION}.onion`, '--out', out])
  t.is(result.code, 0, result.stderr)
  t.regex(result.stdout, /authorized_clients/)
  const auth = (await readFile(path.join(out, 'kent-reviewer-1.auth'), 'utf8')).trim()
  const authPrivate = (await readFile(path.join(out, 'kent-reviewer-1.auth_private'), 'utf8')).trim()
  t.regex(auth, /^descriptor:x25519:[A-Z2-7]{52}$/)
  t.regex(authPrivate, new RegExp(`^${ONION}:descriptor:x25519:[A-Z2-7]{52}$`))
  const publicKey = base32Decode(auth.split(':')[2]!)!
  const secretKey = base32Decode(authPrivate.split(':')[3]!)!
  t.true(onionClientPublicKey(secretKey).equals(publicKey))
  t.is((await stat(path.join(out, 'kent-reviewer-1.auth'))).mode & 0o777, 0o600)
  t.is((await stat(path.join(out, 'kent-reviewer-1.auth_private'))).mode & 0o777, 0o600)

  // A second key of the same name never replaces the first.
  const again = await candour(['onion-client', 'add', '--name', 'kent-reviewer-1', '--onion', ONION, '--out', out])
  t.is(again.code, 1)
  t.regex(again.stderr, /OUTPUT_EXISTS/)
  t.is((await readFile(path.join(out, 'kent-reviewer-1.auth'), 'utf8')).trim(), auth)
})

test('add refuses a bad name or a mistyped onion address, writing nothing', async (t) => {
  const dir = await tempDir('candour-onion-client-')
  t.teardown(() => removeAll(dir))
  const badName = await candour(['onion-client', 'add', '--name', '../escape', '--onion', ONION, '--out', path.join(dir, 'a')])
  t.is(badName.code, 1)
  t.regex(badName.stderr, /VALIDATION_FAILED/)
  const typo = await candour(['onion-client', 'add', '--name', 'alice', '--onion', ONION.replace(/^2/, '3'), '--out', path.join(dir, 'b')])
  t.is(typo.code, 1)
  t.regex(typo.stderr, /VALIDATION_FAILED/)
  await t.throwsAsync(stat(path.join(dir, 'a')))
  await t.throwsAsync(stat(path.join(dir, 'b')))
})
