/**
 * Reading the recipients of messages the server did not write: from
 * openpgp.js and from the real GnuPG, and refusing anything that is not a
 * public-key SEIPDv1 message, whole and alone.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import * as openpgp from 'openpgp'
import { checkedCiphertext, recipientKeyIds, sameKeyIds } from '../../src/crypto/inspect.js'
import { recipientKeys, withEncryptionKeyIds, readArmoredKeys } from '../../src/crypto/keys.js'
import { encryptTo, keyPair } from '../helpers/bundles.js'
import { gpgHome } from '../helpers/gpg.js'

const run = promisify(execFile)

async function * pieces (bytes: Uint8Array, size = 4096): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

async function collect (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}

const a = await keyPair('A')
const b = await keyPair('B')
const both = await withEncryptionKeyIds(recipientKeys([...await readArmoredKeys(a.publicKey), ...await readArmoredKeys(b.publicKey)]))
const payload = randomBytes(300_000)

test('the key ids of a message from openpgp.js are its encryption subkeys', async (t) => {
  const message = await encryptTo(both, payload)
  const ids = await recipientKeyIds(pieces(message))
  t.true(sameKeyIds(ids, both.encryptionKeyIds))
  t.is(ids.length, 2)
  t.true(ids.every((id) => /^[0-9A-F]{16}$/.test(id)))
  t.false(sameKeyIds(ids, a.recipients.encryptionKeyIds))
})

test('the key ids of a message GnuPG wrote (compressed, to two keys) are read too', async (t) => {
  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  const keyA = path.join(gpg.home, 'a.asc')
  const keyB = path.join(gpg.home, 'b.asc')
  await writeFile(keyA, a.publicKey)
  await writeFile(keyB, b.publicKey)
  await gpg.importKey(keyA)
  await gpg.importKey(keyB)
  const plain = path.join(gpg.home, 'plain.bin')
  await writeFile(plain, payload)
  const out = path.join(gpg.home, 'out.gpg')
  const fprs = [...both.fingerprints]
  await run('gpg', ['--batch', '--quiet', '--trust-model', 'always', '--no-tty', ...fprs.flatMap((f) => ['-r', f]), '--output', out, '--encrypt', plain], { env: { ...process.env, GNUPGHOME: gpg.home } })
  const { readFile } = await import('node:fs/promises')
  t.true(sameKeyIds(await recipientKeyIds(pieces(await readFile(out))), both.encryptionKeyIds))
})

test('anything else is refused: junk, truncation, trailing bytes, two messages, password-only, literal data', async (t) => {
  const message = await encryptTo(a.recipients, payload)
  const refused = { code: 'CIPHERTEXT_INVALID' }
  await t.throwsAsync(recipientKeyIds(pieces(randomBytes(5000))), refused)
  await t.throwsAsync(recipientKeyIds(pieces(new Uint8Array(0))), refused)
  await t.throwsAsync(recipientKeyIds(pieces(message.subarray(0, message.length - 7))), refused)
  await t.throwsAsync(recipientKeyIds(pieces(Buffer.concat([message, Buffer.from('tail')]))), refused)
  await t.throwsAsync(recipientKeyIds(pieces(Buffer.concat([message, message]))), refused)
  const symmetric = await openpgp.encrypt({ message: await openpgp.createMessage({ binary: payload }), passwords: ['pw'], format: 'binary', config: { aeadProtect: false } }) as Uint8Array
  await t.throwsAsync(recipientKeyIds(pieces(symmetric)), refused)
  const literal = (await openpgp.createMessage({ binary: payload })).write() as Uint8Array
  await t.throwsAsync(recipientKeyIds(pieces(await collect((async function * () { yield literal })()))), refused)
})

test('checkedCiphertext passes a good message through unchanged and refuses the wrong recipients at its end', async (t) => {
  const message = await encryptTo(a.recipients, payload)
  t.true((await collect(checkedCiphertext(pieces(message, 1000), a.recipients.encryptionKeyIds))).equals(message))
  await t.throwsAsync(collect(checkedCiphertext(pieces(message), b.recipients.encryptionKeyIds)), { code: 'RECIPIENTS_MISMATCH' })
  await t.throwsAsync(collect(checkedCiphertext(pieces(message), both.encryptionKeyIds)), { code: 'RECIPIENTS_MISMATCH' })
  await t.throwsAsync(collect(checkedCiphertext(pieces(randomBytes(3 * 1024 * 1024)), a.recipients.encryptionKeyIds)), { code: 'CIPHERTEXT_INVALID' })
  await t.throwsAsync(collect(checkedCiphertext(pieces(message.subarray(0, 5000)), a.recipients.encryptionKeyIds)), { code: 'CIPHERTEXT_INVALID' })
})
