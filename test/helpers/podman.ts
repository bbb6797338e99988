/**
 * podman for the image test, configured for these machines (runc, lower
 * ulimits: scripts/container/containers.conf), and the stand-in base image
 * built when podman lacks it (no image registry is reachable here or in CI).
 */
import { execFile, spawn } from 'node:child_process'
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')
const ENV = { ...process.env, CONTAINERS_CONF: path.join(ROOT, 'scripts/container/containers.conf') }

/** The host's CA bundle (it holds the authority of the TLS-intercepting proxy in front of npm, where there is one). */
export const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'

/** Runs podman; resolves with its output, rejects with its stderr on a non-zero exit. */
export function podman (args: readonly string[], options: { timeoutMs?: number; encoding?: 'utf8' | 'buffer' } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('podman', [...args], { env: ENV, cwd: ROOT, maxBuffer: 256 << 20, timeout: options.timeoutMs ?? 120_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`podman ${args[0]} failed: ${stderr || err.message}`))
      else resolve(stdout)
    })
  })
}

/** Runs podman with stdout piped to `consume`; resolves when both are done. */
export function podmanPipe (args: readonly string[], consume: (stdout: NodeJS.ReadableStream) => Promise<void>): Promise<void> {
  const child = spawn('podman', [...args], { env: ENV, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => code === 0 ? resolve() : reject(new Error(`podman ${args[0]} exited ${code}: ${stderr}`)))
  })
  return Promise.all([consume(child.stdout), exited]).then(() => undefined)
}

/** Builds the stand-in node:20-bookworm-slim base unless podman already has it. */
export function ensureBaseImage (): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(path.join(ROOT, 'scripts/container/stand-in-base.sh'), { env: ENV, cwd: ROOT, timeout: 900_000, maxBuffer: 64 << 20 }, (err, _stdout, stderr) => {
      if (err !== null) reject(new Error(`building the stand-in base failed: ${stderr || err.message}`))
      else resolve()
    })
  })
}

/**
 * Builds the repository's Dockerfile as `tag`. The host's CA bundle reaches npm through a read-only
 * build-time mount over the image's empty /usr/local/etc (npm's global config folder), so nothing
 * of it can stay in the image.
 */
export async function buildImage (tag: string): Promise<void> {
  const caDir = await mkdtemp(path.join(os.tmpdir(), 'candour-build-ca-'))
  try {
    const mounts: string[] = []
    if (existsSync(HOST_CA_BUNDLE)) {
      await copyFile(HOST_CA_BUNDLE, path.join(caDir, 'ca.crt'))
      await writeFile(path.join(caDir, 'npmrc'), 'cafile=/usr/local/etc/ca.crt\n')
      await chmod(caDir, 0o755)
      mounts.push('-v', `${caDir}:/usr/local/etc:ro`)
    }
    // Docker format keeps the HEALTHCHECK (OCI image configs have no field for it).
    await podman(['build', '--pull=never', '--format', 'docker', ...mounts, '-t', tag, '.'], { timeoutMs: 900_000 })
  } finally {
    await rm(caDir, { recursive: true, force: true })
  }
}
