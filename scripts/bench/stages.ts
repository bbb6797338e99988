/**
 * The upload path taken apart, in the harness's own process, to show where a
 * large upload's time goes: the encryption alone (memory -> encryptStream ->
 * nowhere), the store alone (memory -> writeBlob), and the two together
 * (memory -> encryptStream -> writeBlob), without HTTP or file reads; and,
 * as the floor any store must pay, the same bytes appended once to a plain file.
 * CPU seconds count every thread of this process.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Ciphertext } from '../../src/crypto/ciphertext.js'
import { encryptStream } from '../../src/crypto/encrypt.js'
import { recipientsFromArmored, type RecipientKeys } from '../../src/crypto/keys.js'
import { writeBlob } from '../../src/store/blobs.js'
import type { Kv } from '../../src/store/kv.js'
import { openLevelKv } from '../../src/store/level-kv.js'

/** Wall and CPU time of one stage run. */
export interface StageTime {
  readonly seconds: number
  readonly cpuSeconds: number
}

const OPTIONS = { filename: 'evidence.mp4', date: new Date(Date.UTC(2026, 0, 1)) }

const PIECE = 64 * 1024
// Random plaintext, made once and handed over again and again in 64 KiB pieces, as the HTTP server hands them over.
const POOL = randomBytes(64 * PIECE)

async function * plaintext (bytes: number): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes; offset += PIECE) {
    const at = offset % POOL.byteLength
    yield POOL.subarray(at, at + Math.min(PIECE, bytes - offset))
  }
}

async function timed (work: () => Promise<void>): Promise<StageTime> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  await work()
  const used = process.cpuUsage(cpu)
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 }
}

/** The unit key the server uses, as recipients. */
export async function benchRecipients (keysDir: string): Promise<RecipientKeys> {
  return recipientsFromArmored(await readFile(path.join(keysDir, 'met', 'unit.asc'), 'utf8'))
}

/** Encrypts `bytes` of plaintext from memory and throws the ciphertext away. */
export async function encryptionAlone (bytes: number, recipients: RecipientKeys): Promise<StageTime> {
  return timed(async () => {
    for await (const _ of encryptStream(plaintext(bytes), recipients, OPTIONS)) { /* discard */ }
  })
}

/** Writes `bytes` of random bytes, standing in for ciphertext, into a fresh store: the store's own cost. */
export async function storeAlone (bytes: number, workDir: string): Promise<StageTime> {
  return intoFreshStore(workDir, async (kv) => {
    // A type cast, not encryption: these bytes only stand in for ciphertext of the same size and count.
    await writeBlob(kv, plaintext(bytes) as AsyncIterable<Ciphertext>)
  })
}

/** Appends `bytes` of random bytes to a new plain file in the same chunks: what writing each byte once costs. */
export async function plainFileAlone (bytes: number, workDir: string): Promise<StageTime> {
  const dir = await mkdtemp(path.join(workDir, 'stage-'))
  try {
    const file = await open(path.join(dir, 'blob'), 'w')
    try {
      return await timed(async () => {
        for await (const piece of plaintext(bytes)) await file.write(piece)
      })
    } finally {
      await file.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function intoFreshStore (workDir: string, work: (kv: Kv) => Promise<void>): Promise<StageTime> {
  const dataDir = await mkdtemp(path.join(workDir, 'stage-'))
  const kv = await openLevelKv(dataDir)
  try {
    return await timed(() => work(kv))
  } finally {
    await kv.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** Encrypts `bytes` of plaintext from memory into a fresh store under `workDir`, as an upload does, without HTTP. */
export async function encryptionIntoStore (bytes: number, recipients: RecipientKeys, workDir: string): Promise<StageTime> {
  return intoFreshStore(workDir, async (kv) => { await writeBlob(kv, encryptStream(plaintext(bytes), recipients, OPTIONS)) })
}
