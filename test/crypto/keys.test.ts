/** Key checks against keys made by the real GnuPG and by openpgp.js in the forms GnuPG 2.2 cannot read. */
import test from 'ava'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as openpgp from 'openpgp'
import { checkKey } from '../../src/crypto/keys.js'
import { DEMO_KEY_MARKER, loadKeyring } from '../../src/crypto/keyring.js'
import { gpgHome, type Gpg } from '../helpers/gpg.js'

let gpg: Gpg
const keys: Record<string, string> = {}

test.before(async () => {
  gpg = await gpgHome()
  const make = async (name: string, algo: string, usage: string, expire: string, options?: Parameters<Gpg['generate']>[4]): Promise<void> => {
    const fpr = await gpg.generate(`${name} <${name}@unit.invalid>`, algo, usage, expire, options)
    keys[name] = await gpg.exportPublic(fpr)
    keys[`${name}-secret`] = await gpg.exportSecret(fpr)
  }
  await make('rsa3072', 'default', 'default', 'never')
  await make('cv25519', 'future-default', 'default', 'never')
  await make('rsa2048', 'rsa2048', 'cert,sign', 'never', { addKey: ['rsa2048', 'encr'] })
  await make('signonly', 'ed25519', 'sign', 'never')
  await make('expired', 'future-default', 'default', '1d', { fakedTime: '20200101T000000' })
  const v6 = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'v6' }], config: { v6Keys: true }, format: 'armored' })
  keys.v6 = v6.publicKey
  const aead = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'aead' }], config: { aeadProtect: true }, format: 'armored' })
  keys.seipdv2 = aead.publicKey
})

test.after.always(async () => { await gpg?.dispose() })

async function problems (armored: string): Promise<readonly string[]> {
  const [key] = await openpgp.readKeys({ armoredKeys: armored })
  return (await checkKey(key!)).problems
}

test('GnuPG default (RSA 3072) and future-default (Curve25519) keys pass', async (t) => {
  t.deepEqual(await problems(keys.rsa3072!), [])
  t.deepEqual(await problems(keys.cv25519!), [])
})

test('RSA under 3072 bits is refused', async (t) => {
  t.true((await problems(keys.rsa2048!)).some((p) => /not RSA >= 3072/.test(p)))
})

test('a key that cannot encrypt is refused', async (t) => {
  t.true((await problems(keys.signonly!)).some((p) => /encryption-capable/.test(p)))
})

test('an expired key is refused', async (t) => {
  t.true((await problems(keys.expired!)).some((p) => /expired|encryption-capable/.test(p)))
})

test('v6 keys and keys advertising SEIPDv2 are refused', async (t) => {
  t.true((await problems(keys.v6!)).some((p) => /version 6/.test(p)))
  t.true((await problems(keys.seipdv2!)).some((p) => /SEIPDv2/.test(p)))
})

test('secret key material is refused: the server holds public keys only', async (t) => {
  t.true((await problems(keys['cv25519-secret']!)).some((p) => /secret key material/.test(p)))
})

test('the keyring reports bad files by path and reason, and keeps good keys', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-keys-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await mkdir(path.join(dir, 'met'))
  await mkdir(path.join(dir, 'kent'))
  await mkdir(path.join(dir, 'essex'))
  await writeFile(path.join(dir, 'met', 'unit-a.asc'), keys.rsa3072!)
  await writeFile(path.join(dir, 'met', 'unit-b.asc'), keys.cv25519!)
  await writeFile(path.join(dir, 'kent', 'weak.asc'), keys.rsa2048!)
  await writeFile(path.join(dir, 'essex', 'garbage.asc'), 'not a key')
  const keyring = await loadKeyring({ keysDir: dir, forceIds: ['met', 'kent', 'essex', 'dorset'], today: new Date() })
  t.is(keyring.byForce.get('met')?.fingerprints.length, 2)
  t.is(keyring.byForce.get('met')?.encryptionKeyIds.length, 2)
  t.false(keyring.byForce.has('kent'))
  t.false(keyring.byForce.has('essex'))
  t.false(keyring.byForce.has('dorset'))
  t.deepEqual(keyring.demoForces, [])
  const byPath = new Map(keyring.problems.map((p) => [path.relative(dir, p.path), p.reason]))
  t.regex(byPath.get('kent/weak.asc') ?? '', /3072/)
  t.regex(byPath.get('essex/garbage.asc') ?? '', /not an armored OpenPGP public key/)
})

test('demo mode gives a force without keys a v4 demo key, kept across restarts, refused in production', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-demo-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const demoDir = path.join(dir, 'demo')
  const today = new Date('2026-01-02T00:00:00Z')
  const first = await loadKeyring({ keysDir: path.join(dir, 'keys'), forceIds: ['met', 'kent'], demoDir, today })
  t.deepEqual(first.demoForces, ['met', 'kent'])
  t.deepEqual((await readdir(demoDir)).sort(), ['kent.secret.asc', 'met.secret.asc'])
  const secret = await readFile(path.join(demoDir, 'met.secret.asc'), 'utf8')
  const [key] = await openpgp.readKeys({ armoredKeys: secret })
  t.is(key!.keyPacket.version, 4)
  t.true(key!.getUserIDs()[0]!.includes(DEMO_KEY_MARKER))
  // No time of day in anything generated on the server.
  t.is(key!.getCreationTime().toISOString(), '2026-01-02T00:00:00.000Z')
  t.deepEqual(await checkKey(key!.toPublic()).then((r) => r.problems), [])
  const second = await loadKeyring({ keysDir: path.join(dir, 'keys'), forceIds: ['met'], demoDir, today })
  t.deepEqual(second.byForce.get('met')?.fingerprints, first.byForce.get('met')?.fingerprints)

  // A demo key copied into the keys folder is refused in production.
  await mkdir(path.join(dir, 'keys', 'met'), { recursive: true })
  await writeFile(path.join(dir, 'keys', 'met', 'demo.asc'), key!.toPublic().armor())
  const production = await loadKeyring({ keysDir: path.join(dir, 'keys'), forceIds: ['met'], today })
  t.false(production.byForce.has('met'))
  t.regex(production.problems[0]?.reason ?? '', /demo key/)
})
