/** The real GnuPG in a throwaway GNUPGHOME, for interoperability tests. */
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A throwaway GnuPG home. */
export interface Gpg {
  readonly home: string
  importKey (file: string): Promise<void>
  /** Decrypts a file; resolves with the plaintext bytes. */
  decryptFile (file: string): Promise<Buffer>
  /** Decrypts bytes; resolves with the plaintext bytes. */
  decrypt (ciphertext: Uint8Array): Promise<Buffer>
  /** The output of `gpg --list-packets` for a file. */
  listPackets (file: string): Promise<string>
  dispose (): Promise<void>
}

/** Creates a throwaway GNUPGHOME. */
export async function gpgHome (): Promise<Gpg> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'candour-gpg-'))
  const env = { ...process.env, GNUPGHOME: home }
  const base = ['--batch', '--quiet', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '']
  return {
    home,
    async importKey (file) { await run('gpg', [...base, '--import', file], { env }) },
    async decryptFile (file) {
      const { stdout } = await run('gpg', [...base, '--decrypt', file], { env, encoding: 'buffer', maxBuffer: 1 << 30 })
      return stdout
    },
    decrypt (ciphertext) {
      return new Promise((resolve, reject) => {
        const child = spawn('gpg', [...base, '--decrypt'], { env })
        const out: Buffer[] = []
        child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
        child.on('error', reject)
        child.on('close', (code) => code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`gpg exited ${code}`)))
        child.stdin.end(ciphertext)
      })
    },
    async listPackets (file) {
      const { stdout } = await run('gpg', [...base, '--list-packets', file], { env })
      return stdout
    },
    async dispose () {
      await run('gpgconf', ['--kill', 'all'], { env }).catch(() => {})
      await rm(home, { recursive: true, force: true })
    },
  }
}
