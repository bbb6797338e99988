/**
 * Memory of the container image at rest and under load (issue 10; figures in
 * docs/performance.md). Runs IMAGE as deployed (read-only root, no /tmp, a
 * volume, a generated unit key, production mode, the default codename reserve),
 * waits until the reserve is full and the process is quiet, then loads it with
 * page views, text reports and concurrent uploads, sampling the container's
 * memory (cgroup, as `podman stats` shows it) and the node process's resident
 * set (VmRSS, and its peak VmHWM).
 *   CONTAINERS_CONF=scripts/container/containers.conf node --import tsx scripts/container/memory.ts IMAGE [tmpfs:IMAGE...]
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')
const MiB = 1024 * 1024
const podman = (...args: string[]): string => execFileSync('podman', args, { encoding: 'utf8', maxBuffer: 64 << 20 })
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function unitKeys (): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'candour-memory-'))
  writeFileSync(path.join(dir, 'pass'), 'memory measurement\n')
  execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'keys', 'generate', '--force', 'kent', '--out', path.join(dir, 'unit'), '--passphrase-file', path.join(dir, 'pass')], { cwd: ROOT, stdio: 'ignore' })
  const publicFile = readdirSync(path.join(dir, 'unit')).find((name) => name.endsWith('.public.asc'))!
  mkdirSync(path.join(dir, 'keys', 'kent'), { recursive: true })
  copyFileSync(path.join(dir, 'unit', publicFile), path.join(dir, 'keys', 'kent', publicFile))
  for (const folder of [dir, path.join(dir, 'keys'), path.join(dir, 'keys', 'kent')]) chmodSync(folder, 0o755)
  chmodSync(path.join(dir, 'keys', 'kent', publicFile), 0o644)
  return dir
}

function sample (container: string): { cgroup: number; rss: number; hwm: number } {
  const status = podman('exec', container, 'cat', '/proc/1/status')
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024
  const stats = JSON.parse(podman('stats', '--no-stream', '--format', 'json', container)) as Array<{ mem_usage: string }>
  const [used, unit] = /^([\d.]+)([kMG]?B)/.exec(stats[0]!.mem_usage)!.slice(1) as [string, string]
  const scale = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[unit] ?? 1
  return { cgroup: Number(used) * scale, rss: kib('VmRSS'), hwm: kib('VmHWM') }
}

async function measure (image: string, keysDir: string, tmpfs: boolean): Promise<Record<string, number>> {
  const volume = `candour-memory-${randomBytes(4).toString('hex')}`
  podman('volume', 'create', volume)
  const container = podman('run', '--detach', '--read-only', `--read-only-tmpfs=${tmpfs}`, '-v', `${volume}:/data`, '-v', `${keysDir}:/app/keys:ro`, '-p', '127.0.0.1::8080', image).trim()
  try {
    const url = `http://127.0.0.1:${/:(\d+)/.exec(podman('port', container, '8080/tcp'))![1]}`
    const logs = (): string => execFileSync('sh', ['-c', 'podman logs "$1" 2>&1', 'sh', container], { encoding: 'utf8' })
    for (let i = 0; i < 600 && !/codename reserve ready/.test(logs()); i++) await sleep(1000)
    await sleep(15_000)
    const rest = sample(container)
    process.stdout.write(`${image}: at rest cgroup=${(rest.cgroup / MiB).toFixed(1)} MiB rss=${(rest.rss / MiB).toFixed(1)} MiB\n`)

    let peakCgroup = rest.cgroup
    let sampling = true
    const sampler = (async () => { while (sampling) { peakCgroup = Math.max(peakCgroup, sample(container).cgroup); await sleep(1000) } })()
    // A kept-alive socket the server has just closed fails one fetch: try again, as a browser would.
    const retried = async <T>(attempt: () => Promise<T>): Promise<T> => {
      for (let i = 0; ; i++) {
        try { return await attempt() } catch (err) { if (i === 3) throw err }
      }
    }
    const pages = Array.from({ length: 20 }, async () => { for (let i = 0; i < 50; i++) await retried(async () => (await fetch(url + '/report')).text()) })
    const report = async (bytes: number): Promise<void> => {
      const form = new FormData()
      form.append('force', 'kent')
      form.append('category', 'abuse-of-position')
      form.append('message', 'memory measurement '.repeat(50))
      if (bytes > 0) form.append('attachments', new Blob([randomBytes(bytes)]), 'file.bin')
      form.append('anonymity', 'anonymous')
      const response = await fetch(url + '/report', { method: 'POST', body: form, redirect: 'manual', headers: { Origin: url } })
      if (response.status !== 303) throw new Error(`report answered ${response.status}`)
      await response.arrayBuffer()
    }
    const texts = Array.from({ length: 8 }, async () => { for (let i = 0; i < 10; i++) await retried(() => report(0)) })
    const uploads = Array.from({ length: 4 }, () => retried(() => report(50 * MiB)))
    await Promise.all([...pages, ...texts, ...uploads])
    sampling = false
    await sampler
    const after = sample(container)
    return { restCgroupMiB: rest.cgroup / MiB, restRssMiB: rest.rss / MiB, loadPeakCgroupMiB: Math.max(peakCgroup, after.cgroup) / MiB, loadPeakRssMiB: after.hwm / MiB, afterLoadRssMiB: after.rss / MiB }
  } finally {
    podman('rm', '--force', container)
    podman('volume', 'rm', '--force', volume)
  }
}

const keys = unitKeys()
try {
  // `tmpfs:IMAGE` gives the container a writable /tmp (the image before issue 10 needs one for tsx).
  for (const arg of process.argv.slice(2)) {
    const image = arg.replace(/^tmpfs:/, '')
    const figures = await measure(image, path.join(keys, 'keys'), arg.startsWith('tmpfs:'))
    process.stdout.write(`${image}: ${Object.entries(figures).map(([k, v]) => `${k}=${v.toFixed(1)}`).join(' ')}\n`)
  }
} finally {
  rmSync(keys, { recursive: true, force: true })
}
