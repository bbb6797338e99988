/**
 * A 200 MiB attachment decrypts (and re-encrypts for a transfer) with memory
 * that stays flat: `candour decrypt` and `candour transfer` run as child
 * processes and report their peak RSS; a 20 MiB and a 200 MiB item must cost
 * about the same, well under the size of the file. The inputs are generated
 * in a temporary folder and removed afterwards.
 */
import test from 'ava'
import { createHash, randomBytes } from 'node:crypto'
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { recipientsFromArmored, type RecipientKeys } from '../../../src/crypto/keys.js'
import { candour, generateUnitKey, removeAll, sha256File, tempDir, writeBundleFolder } from '../../helpers/offline.js'

const MIB = 1024 * 1024
const PASS = 'memory test passphrase'
let root: string
let keyFile: string
let publicFile: string
let passFile: string
let recipients: RecipientKeys

test.before(async () => {
  root = await tempDir()
  passFile = path.join(root, 'pass')
  await writeFile(passFile, PASS)
  ;({ secretFile: keyFile, publicFile } = await generateUnitKey('kent', path.join(root, 'unit'), passFile))
  recipients = await recipientsFromArmored(await readFile(publicFile, 'utf8'))
})

test.after.always(() => removeAll(root))

/** Peak RSS in MiB of a child `candour` run (through the peak-rss wrapper). */
async function peakOf (args: string[]): Promise<number> {
  const result = await candour(args, { script: 'test/helpers/peak-rss.ts' })
  if (result.code !== 0) throw new Error(result.stderr)
  const kib = Number(/peak-rss-kib (\d+)/.exec(result.stderr)?.[1])
  if (!Number.isFinite(kib) || kib <= 0) throw new Error('no peak RSS reported')
  return kib / 1024
}

/** Decrypts and transfers a bundle holding one attachment of `mib` MiB; checks the output; returns both peaks in MiB. */
async function peaksFor (mib: number): Promise<{ decrypt: number; transfer: number }> {
  const block = randomBytes(MIB)
  const hash = createHash('sha256')
  // Each MiB differs (a counter in front), and is hashed as it is generated: nothing is held whole.
  async function * content (): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < mib; i++) {
      const chunk = Buffer.from(block)
      chunk.writeUInt32BE(i, 0)
      hash.update(chunk)
      yield chunk
    }
  }
  const bundle = await writeBundleFolder(path.join(root, `bundle-${mib}`), recipients, [
    { kind: 'report', filename: 'report.txt', content: new TextEncoder().encode('report\n') },
    { kind: 'attachment', filename: 'video.mp4', content: content },
  ])
  const expected = hash.digest('hex')
  const out = path.join(root, `out-${mib}`)
  const zip = path.join(root, `transfer-${mib}.zip`)
  try {
    const decrypt = await peakOf(['decrypt', bundle, '--key', keyFile, '--out', out, '--passphrase-file', passFile])
    if (await sha256File(path.join(out, 'attachments', 'video.mp4')) !== expected) throw new Error('decrypted attachment differs')
    const transfer = await peakOf(['transfer', bundle, '--key', keyFile, '--to', publicFile, '--out', zip, '--passphrase-file', passFile])
    if ((await stat(zip)).size < mib * MIB) throw new Error('transfer zip too small')
    return { decrypt, transfer }
  } finally {
    await rm(bundle, { recursive: true, force: true })
    await rm(out, { recursive: true, force: true })
    await rm(zip, { force: true })
  }
}

test('a 200 MiB attachment decrypts and transfers in flat memory: peak RSS below 250 MiB and within 60 MiB of a 20 MiB one', async (t) => {
  const small = await peaksFor(20)
  const large = await peaksFor(200)
  for (const command of ['decrypt', 'transfer'] as const) {
    t.log(`${command} peak RSS: 20 MiB item ${small[command].toFixed(0)} MiB, 200 MiB item ${large[command].toFixed(0)} MiB`)
    t.true(large[command] < 250, `${command}: peak RSS ${large[command].toFixed(0)} MiB for a 200 MiB item`)
    t.true(large[command] - small[command] < 60, `${command}: peak RSS grew by ${(large[command] - small[command]).toFixed(0)} MiB from 20 to 200 MiB`)
  }
})
