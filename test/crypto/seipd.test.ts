/**
 * The SEIPDv1 encoder behind encryptStream, read back by three independent
 * implementations (GnuPG, Sequoia's sq, openpgp.js) at every size where the
 * partial-length framing changes shape, to RSA and Curve25519 keys at once;
 * and a message altered by one byte is refused by its MDC.
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import * as openpgp from 'openpgp'
import { encryptStream } from '../../src/crypto/encrypt.js'
import { recipientsFromArmored, type RecipientKeys } from '../../src/crypto/keys.js'
import { definiteLength, PART_BYTES, seipdStream } from '../../src/crypto/seipd.js'
import { gpgHome, type Gpg } from '../helpers/gpg.js'

const run = promisify(execFile)
const FILENAME = 'évidence.mp4'
const DATE = new Date('2026-03-04T00:00:00Z')
// The literal packet's body starts with format, name length, name and date.
const LITERAL_HEADER = 2 + Buffer.byteLength(FILENAME) + 4

let gpg: Gpg
let dir: string
let recipients: RecipientKeys
let secretFile: string
let secretKeys: openpgp.PrivateKey[]
// One armored secret key per file, written once, so tests running at once never share a half-written file.
let keyFiles: string[]
let hasSq = false

test.before(async () => {
  gpg = await gpgHome()
  dir = await mkdtemp(path.join(os.tmpdir(), 'candour-seipd-'))
  const rsa = await gpg.generate('Unit RSA <rsa@unit.invalid>', 'rsa3072', 'default', 'never', { addKey: ['rsa3072', 'encr'] })
  const ecc = await gpg.generate('Unit ECC <ecc@unit.invalid>', 'future-default', 'default', 'never')
  recipients = await recipientsFromArmored((await gpg.exportPublic(rsa)) + (await gpg.exportPublic(ecc)))
  const secrets = (await gpg.exportSecret(rsa)) + (await gpg.exportSecret(ecc))
  secretFile = path.join(dir, 'secrets.asc')
  await writeFile(secretFile, secrets)
  const each = [await gpg.exportSecret(rsa), await gpg.exportSecret(ecc)]
  secretKeys = await Promise.all(each.map((armoredKey) => openpgp.readPrivateKey({ armoredKey })))
  keyFiles = each.map((_, i) => path.join(dir, `key-${i}.asc`))
  await Promise.all(each.map((armored, i) => writeFile(keyFiles[i]!, armored)))
  try { await run('sq', ['--version']); hasSq = true } catch { hasSq = false }
})

test.after.always(async () => {
  await gpg?.dispose()
  await rm(dir, { recursive: true, force: true })
})

async function * pieces (data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.byteLength; i += size) yield data.subarray(i, i + size)
}

async function collect (source: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; chunks: number[] }> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return { bytes: Buffer.concat(parts), chunks: parts.map((p) => p.byteLength) }
}

async function sqDecrypt (message: string, keys: string, keyIndex: number): Promise<Buffer> {
  const out = path.join(dir, `${path.basename(message)}-sq-${keyIndex}.out`)
  await run('sq', ['decrypt', '--recipient-file', keys, '--output', out, message]).catch(async () => {
    // Older sq spells the option --recipient-key.
    await run('sq', ['decrypt', '--recipient-key', keys, '--output', out, message])
  })
  return readFile(out)
}

// Each size puts a framing boundary in a different place: nothing at all, one byte, a literal
// body of exactly one part (no partial lengths), one byte more (a part and a one-byte tail),
// exactly two parts (a part and a full last part), and several parts in uneven pieces.
const SIZES: ReadonlyArray<readonly [string, number]> = [
  ['0 bytes', 0],
  ['1 byte', 1],
  ['a literal body of exactly one part', PART_BYTES - LITERAL_HEADER],
  ['one part and one byte', PART_BYTES - LITERAL_HEADER + 1],
  ['exactly two parts', 2 * PART_BYTES - LITERAL_HEADER],
  ['3 MiB and 17 bytes', 3 * 1024 * 1024 + 17],
]

for (const [label, size] of SIZES) {
  test(`${label}: gpg, sq and openpgp.js each decrypt it under either key`, async (t) => {
    const data = randomBytes(size)
    const { bytes, chunks } = await collect(encryptStream(pieces(data, 65_521), recipients, { filename: FILENAME, date: DATE }))
    // Bounded chunks whatever the size: one part each, with its length octet (and the key packets in the first).
    t.true(chunks.every((n) => n <= PART_BYTES + 4096))
    const file = path.join(dir, `m-${size}.gpg`)
    await writeFile(file, bytes)

    for (const [i, secret] of secretKeys.entries()) {
      const alone = await gpgHome()
      try {
        const keyFile = keyFiles[i]!
        await alone.importKey(keyFile)
        t.true((await alone.decryptFile(file)).equals(data), `gpg with key ${i}`)
        if (hasSq) t.true((await sqDecrypt(file, keyFile, i)).equals(data), `sq with key ${i}`)
      } finally {
        await alone.dispose()
      }
      const message = await openpgp.readMessage({ binaryMessage: bytes })
      const result = await openpgp.decrypt({ message, decryptionKeys: secret, format: 'binary' })
      t.true(Buffer.from(result.data as Uint8Array).equals(data), `openpgp.js with key ${i}`)
      t.is(result.filename, FILENAME)
    }
  })
}

test('the packets are two PKESKs and one SEIPDv1 with MDC, the literal packet carries the name and the UTC-midnight date', async (t) => {
  const { bytes } = await collect(encryptStream(pieces(randomBytes(2 * PART_BYTES), 40_000), recipients, { filename: FILENAME, date: DATE }))
  const file = path.join(dir, 'listed.gpg')
  await writeFile(file, bytes)
  await gpg.importKey(secretFile)
  const packets = await gpg.listPackets(file)
  t.is((packets.match(/:pubkey enc packet: version 3/g) ?? []).length, 2)
  t.regex(packets, /:encrypted data packet:[\s\S]*mdc_method: 2/)
  t.notRegex(packets, /aead|AEAD|compressed packet/)
  t.regex(packets, /name="\\xc3\\xa9vidence\.mp4"/)
  t.regex(packets, new RegExp(`raw data: .*created ${DATE.getTime() / 1000}|created ${DATE.getTime() / 1000}`))
  // AES-256 (algorithm 9), as both keys prefer it: gpg names the session key's cipher.
  const shown = await run('gpg', ['--batch', '--quiet', '--show-session-key', '--output', '/dev/null', '--decrypt', file], { env: { ...process.env, GNUPGHOME: gpg.home } })
  t.regex(shown.stderr, /session key: '9:[0-9A-F]{64}'/)
})

test('seipdStream alone, with a known AES-128 session key, opens in openpgp.js', async (t) => {
  const sessionKey = randomBytes(16)
  const data = randomBytes(PART_BYTES + 5)
  const { bytes } = await collect(seipdStream(pieces(data, 1000), { algorithm: 'aes128', sessionKey, filename: 'x.bin', date: DATE }))
  const message = await openpgp.readMessage({ binaryMessage: bytes })
  const result = await openpgp.decrypt({ message, sessionKeys: { data: sessionKey, algorithm: 'aes128' }, format: 'binary' })
  t.true(Buffer.from(result.data as Uint8Array).equals(data))
})

test('one byte altered anywhere in the encrypted data: gpg and openpgp.js refuse the message', async (t) => {
  const data = randomBytes(PART_BYTES * 2 + 1000)
  const { bytes } = await collect(encryptStream(pieces(data, 65_536), recipients, { filename: FILENAME, date: DATE }))
  await gpg.importKey(secretFile)
  // One byte in the middle of the data, and one in the encrypted MDC at the very end.
  for (const offset of [Math.floor(bytes.byteLength / 2) + 3, bytes.byteLength - 5]) {
    const tampered = Buffer.from(bytes)
    tampered[offset]! ^= 0x01
    const file = path.join(dir, `tampered-${offset}.gpg`)
    await writeFile(file, tampered)
    const gpgError = await t.throwsAsync(gpg.decryptFile(file))
    t.regex(String((gpgError as { stderr?: unknown }).stderr ?? gpgError?.message), /manipulated|MDC|decryption failed/i)
    const message = await openpgp.readMessage({ binaryMessage: tampered })
    await t.throwsAsync(openpgp.decrypt({ message, decryptionKeys: secretKeys[1]!, format: 'binary' }), { message: /Modification detected|MDC|Malformed/i })
  }
})

test('definite lengths use the one-, two- and five-octet forms at their boundaries', (t) => {
  t.deepEqual([...definiteLength(0)], [0])
  t.deepEqual([...definiteLength(191)], [191])
  t.deepEqual([...definiteLength(192)], [192, 0])
  t.deepEqual([...definiteLength(8383)], [223, 255])
  t.deepEqual([...definiteLength(8384)], [255, 0, 0, 0x20, 0xc0])
})
