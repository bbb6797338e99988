/** Streaming encryption, read back by the real GnuPG (and Sequoia's sq where installed). */
import test from 'ava'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { encryptBytes, encryptStream, rechunk, CHUNK_BYTES } from '../../src/crypto/encrypt.js'
import { recipientsFromArmored } from '../../src/crypto/keys.js'
import { gpgHome, type Gpg } from '../helpers/gpg.js'

const run = promisify(execFile)
let gpg: Gpg
let dir: string
let armored: string
let secrets: string
let secretEach: string[]

test.before(async () => {
  gpg = await gpgHome()
  dir = await mkdtemp(path.join(os.tmpdir(), 'candour-enc-'))
  const rsa = await gpg.generate('Unit RSA <rsa@unit.invalid>', 'default', 'default', 'never')
  const ecc = await gpg.generate('Unit ECC <ecc@unit.invalid>', 'future-default', 'default', 'never')
  armored = (await gpg.exportPublic(rsa)) + (await gpg.exportPublic(ecc))
  secretEach = [await gpg.exportSecret(rsa), await gpg.exportSecret(ecc)]
  secrets = secretEach.join('')
})

test.after.always(async () => {
  await gpg?.dispose()
  await rm(dir, { recursive: true, force: true })
})

async function collect (source: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; chunks: number[] }> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return { bytes: Buffer.concat(parts), chunks: parts.map((p) => p.byteLength) }
}

async function * pieces (data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size)
}

test('rechunk regroups a stream into fixed-size chunks without losing a byte', async (t) => {
  const data = randomBytes(2.5 * CHUNK_BYTES + 17)
  const { bytes, chunks } = await collect(rechunk(pieces(data, 65_537)))
  t.true(bytes.equals(data))
  t.deepEqual(chunks, [CHUNK_BYTES, CHUNK_BYTES, CHUNK_BYTES / 2 + 17])
})

test('a streamed file encrypted to two keys opens with gpg under either key, with its name and no SEIPDv2', async (t) => {
  const recipients = await recipientsFromArmored(armored)
  t.is(recipients.keys.length, 2)
  const data = randomBytes(5 * CHUNK_BYTES + 123)
  const { bytes, chunks } = await collect(encryptStream(pieces(data, 64 * 1024), recipients, { filename: 'évidence.bin', date: new Date('2026-01-02T00:00:00Z') }))
  // Bounded chunks: one partial body part each, plus its length octet (and the key packets in the first).
  t.true(chunks.slice(1, -1).every((n) => n === CHUNK_BYTES + 1))
  t.true(chunks.every((n) => n <= CHUNK_BYTES + 4096))
  const file = path.join(dir, 'item.gpg')
  await writeFile(file, bytes)
  for (const [i, secret] of secretEach.entries()) {
    const alone = await gpgHome()
    try {
      await alone.importKey(await writeTemp(`secret-${i}.asc`, secret))
      t.true((await alone.decryptFile(file)).equals(data))
    } finally {
      await alone.dispose()
    }
  }
  const packets = await gpg.listPackets(file)
  t.regex(packets, /:encrypted data packet:[\s\S]*mdc_method: 2/)
  t.notRegex(packets, /aead|AEAD/)
  t.is((packets.match(/:pubkey enc packet:/g) ?? []).length, 2)
  t.regex(packets, /name="\\xc3\\xa9vidence\.bin"/)
  // The literal packet's date is the UTC midnight given, not the time of encryption.
  t.regex(packets, new RegExp(`created ${Date.parse('2026-01-02T00:00:00Z') / 1000}`))
})

test('in-memory text encrypts to the same standard', async (t) => {
  const recipients = await recipientsFromArmored(armored)
  const { bytes } = await collect(encryptBytes(new TextEncoder().encode('Ärger über die Polizei\n'), recipients, { filename: 'report.txt', date: new Date() }))
  await gpg.importKey(await writeTemp('secrets2.asc', secrets))
  t.is((await gpg.decrypt(bytes)).toString('utf8'), 'Ärger über die Polizei\n')
})

test('Sequoia sq decrypts it too, where installed', async (t) => {
  try { await run('sq', ['--version']) } catch { t.pass('sq is not installed'); return }
  const recipients = await recipientsFromArmored(armored)
  const data = randomBytes(300_000)
  const { bytes } = await collect(encryptStream(pieces(data, 10_000), recipients, { filename: 'x.bin', date: new Date() }))
  const message = await writeTemp('sq.gpg', bytes)
  const keyFile = await writeTemp('sq-secrets.asc', secrets)
  const out = path.join(dir, 'sq.out')
  await run('sq', ['decrypt', '--recipient-file', keyFile, '--output', out, message]).catch(async () => {
    // Older sq spells the option --recipient-key.
    await run('sq', ['decrypt', '--recipient-key', keyFile, '--output', out, message])
  })
  const { readFile } = await import('node:fs/promises')
  t.true((await readFile(out)).equals(data))
})

async function writeTemp (name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, name)
  await writeFile(file, content)
  return file
}
