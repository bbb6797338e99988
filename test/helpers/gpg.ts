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
  /** Imports a key file; `passphrase` unlocks a protected secret key. */
  importKey (file: string, passphrase?: string): Promise<void>
  /** Decrypts a file; resolves with the plaintext bytes. `passphrase` unlocks a protected key. */
  decryptFile (file: string, passphrase?: string): Promise<Buffer>
  /** Decrypts bytes; resolves with the plaintext bytes. */
  decrypt (ciphertext: Uint8Array): Promise<Buffer>
  /** The output of `gpg --list-packets` for a file. */
  listPackets (file: string): Promise<string>
  /** `gpg --quick-gen-key` (without passphrase unless given); returns the fingerprint. */
  generate (uid: string, algo: string, usage: string, expire: string, options?: { fakedTime?: string; addKey?: [string, string]; passphrase?: string }): Promise<string>
  /** Armored public key of a fingerprint. */
  exportPublic (fingerprint: string): Promise<string>
  /** Armored secret key of a fingerprint (protected by `passphrase` if it was generated with one). */
  exportSecret (fingerprint: string, passphrase?: string): Promise<string>
  dispose (): Promise<void>
}

/** Creates a throwaway GNUPGHOME. */
export async function gpgHome (): Promise<Gpg> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'candour-gpg-'))
  const env = { ...process.env, GNUPGHOME: home }
  const withPassphrase = (passphrase = ''): string[] => ['--batch', '--quiet', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', passphrase]
  const base = withPassphrase()
  return {
    home,
    async importKey (file, passphrase) { await run('gpg', [...withPassphrase(passphrase), '--import', file], { env }) },
    async decryptFile (file, passphrase) {
      const { stdout } = await run('gpg', [...withPassphrase(passphrase), '--decrypt', file], { env, encoding: 'buffer', maxBuffer: 1 << 30 })
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
    async generate (uid, algo, usage, expire, options = {}) {
      const time = options.fakedTime === undefined ? [] : ['--faked-system-time', options.fakedTime]
      await run('gpg', [...withPassphrase(options.passphrase), ...time, '--quick-gen-key', uid, algo, usage, expire], { env })
      const { stdout } = await run('gpg', ['--batch', '--with-colons', '--list-keys', uid], { env })
      const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(stdout)![1]!
      if (options.addKey !== undefined) await run('gpg', [...withPassphrase(options.passphrase), ...time, '--quick-add-key', fingerprint, options.addKey[0], options.addKey[1], expire], { env })
      return fingerprint
    },
    async exportPublic (fingerprint) {
      return (await run('gpg', ['--batch', '--armor', '--export', fingerprint], { env })).stdout
    },
    async exportSecret (fingerprint, passphrase) {
      return (await run('gpg', [...withPassphrase(passphrase), '--armor', '--export-secret-keys', fingerprint], { env })).stdout
    },
    async dispose () {
      await run('gpgconf', ['--kill', 'all'], { env }).catch(() => {})
      await rm(home, { recursive: true, force: true })
    },
  }
}
