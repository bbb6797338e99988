/**
 * The benchmark's unit key: one Curve25519 key made by the real GnuPG in a
 * throwaway home, its public half placed in a KEYS_DIR for every force, so the
 * server runs in production mode (no demo keys) and gpg encrypts to the same key.
 */
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { FORCES } from '../../src/domain/forces.js'

const run = promisify(execFile)

/** A GnuPG home holding the unit's key, and a KEYS_DIR with its public half for every force. */
export interface BenchKeys {
  readonly gnupgHome: string
  readonly keysDir: string
  readonly fingerprint: string
  /** Encrypts `input` to the unit key, file to file, without compression, as the reference does. */
  gpgEncrypt (input: string, output: string): Promise<void>
  dispose (): Promise<void>
}

/** Creates the key in `dir`/gnupg and writes `dir`/keys/<force>/unit.asc. */
export async function makeBenchKeys (dir: string): Promise<BenchKeys> {
  const gnupgHome = path.join(dir, 'gnupg')
  const keysDir = path.join(dir, 'keys')
  await mkdir(gnupgHome, { recursive: true, mode: 0o700 })
  const env = { ...process.env, GNUPGHOME: gnupgHome }
  const base = ['--batch', '--quiet', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '']
  await run('gpg', [...base, '--quick-gen-key', 'Bench unit <unit@bench.invalid>', 'future-default', 'default', 'never'], { env })
  const { stdout } = await run('gpg', ['--batch', '--with-colons', '--list-keys', 'unit@bench.invalid'], { env })
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(stdout)![1]!
  const armored = (await run('gpg', ['--batch', '--armor', '--export', fingerprint], { env })).stdout
  for (const force of FORCES) {
    await mkdir(path.join(keysDir, force.id), { recursive: true })
    await writeFile(path.join(keysDir, force.id, 'unit.asc'), armored)
  }
  return {
    gnupgHome,
    keysDir,
    fingerprint,
    async gpgEncrypt (input, output) {
      await run('gpg', ['--batch', '--quiet', '--yes', '--trust-model', 'always', '--compress-algo', 'none', '--recipient', fingerprint, '--output', output, '--encrypt', input], { env })
    },
    async dispose () {
      await run('gpgconf', ['--kill', 'all'], { env }).catch(() => {})
    },
  }
}
