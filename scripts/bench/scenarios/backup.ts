/**
 * Scenario 7 (issue 14): `candour backup` of a store holding one large
 * attachment (200 MiB in the full run), taken through the running server's
 * control socket: MB/s, the command's peak RSS and the server's peak
 * anonymous memory during the backup, against a store with an attachment a
 * twentieth the size, in the same run. Memory is flat when the two peaks are
 * about the same.
 */
import { execFile } from 'node:child_process'
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import type { BenchContext } from '../context.js'
import { withCandour } from '../context.js'
import { uploadReport, writeRandomFile } from '../http.js'
import type { Figure, ScenarioResult } from '../results.js'
import { ROOT } from '../server.js'

const MiB = 1024 * 1024
const MB = 1e6

interface BackupRun { readonly seconds: number; readonly bytes: number; readonly cliPeak: number; readonly serverIdle: number; readonly serverAnonPeak: number }

/**
 * The server's anonymous resident memory (RssAnon), sampled every 50 ms until
 * stopped. Its VmHWM also counts the LevelDB table files it maps to read them
 * (RssFile): page cache the kernel can drop, which grows with what is read.
 */
async function readAnon (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kib = /^RssAnon:\s+(\d+) kB$/m.exec(status)
  return kib === null ? 0 : Number(kib[1]) * 1024
}

function sampleAnon (pid: number): { stop: () => Promise<number> } {
  let peak = 0
  const sample = async (): Promise<void> => { peak = Math.max(peak, await readAnon(pid)) }
  const timer = setInterval(() => { void sample() }, 50)
  return { async stop () { clearInterval(timer); await sample(); return peak } }
}

function backupCommand (ctx: BenchContext, dataDir: string, keyFile: string, out: string): Promise<{ seconds: number; peak: number }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/bench/cli-peak-rss.ts', 'backup', '--to', keyFile, '--out', out], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, KEYS_DIR: ctx.keys.keysDir },
    }, (err, _stdout, stderr) => {
      if (err !== null) return reject(new Error(`backup failed: ${stderr}`))
      const kib = /peak-rss-kib (\d+)/.exec(stderr)
      if (kib === null) return reject(new Error('no peak RSS from the backup command'))
      resolve({ seconds: (performance.now() - started) / 1000, peak: Number(kib[1]) * 1024 })
    })
  })
}

async function oneBackup (ctx: BenchContext, file: string, bytes: number, keyFile: string): Promise<BackupRun> {
  return withCandour(ctx, async (server, dataDir) => {
    const result = await uploadReport(server.url, file, bytes)
    if (result.status !== 303) throw new Error(`upload answered ${result.status}`)
    // Sampled during the backup only, so the upload's own peak does not count.
    const serverIdle = (await readAnon(server.pid))
    const out = path.join(ctx.workDir, 'store.backup')
    const anon = sampleAnon(server.pid)
    const run = await backupCommand(ctx, dataDir, keyFile, out)
    const serverAnonPeak = await anon.stop()
    const size = (await stat(out)).size
    await rm(out, { force: true })
    return { seconds: run.seconds, bytes: size, cliPeak: run.peak, serverIdle, serverAnonPeak }
  })
}

/** Runs scenario 7. */
export async function backupScenario (ctx: BenchContext): Promise<ScenarioResult> {
  const large = ctx.quick ? 4 : 200
  const small = Math.max(1, Math.round(large / 20))
  const file = path.join(ctx.workDir, 'backup-attachment.bin')
  await writeRandomFile(file, large * MiB)
  // The operator's backup key: the bench unit key's public half serves (the secret half is not needed to back up).
  const keyFile = path.join(ctx.workDir, 'backup.public.asc')
  await writeFile(keyFile, await readFirstKey(ctx))
  try {
    ctx.log(`backup: store with a ${small} MiB attachment`)
    const little = await oneBackup(ctx, file, small * MiB, keyFile)
    ctx.log(`backup: store with a ${large} MiB attachment`)
    const big = await oneBackup(ctx, file, large * MiB, keyFile)
    const figures: Figure[] = [
      { id: `backup.${large}MiB.throughput`, label: `backup of a store with a ${large} MiB attachment, through the running server`, value: big.bytes / MB / big.seconds, unit: 'MB/s' },
      { id: `backup.${large}MiB.cliPeakRss`, label: `backup command peak RSS, ${large} MiB attachment`, value: big.cliPeak / MiB, unit: 'MiB', reference: { label: `${small} MiB`, value: little.cliPeak / MiB }, ratio: big.cliPeak / little.cliPeak, target: `flat (< 1.25x for ${large / small}x the data)`, met: big.cliPeak / little.cliPeak < 1.25 },
      { id: `backup.${large}MiB.serverAnonPeak`, label: `server peak anonymous memory during the backup, ${large} MiB attachment`, value: big.serverAnonPeak / MiB, unit: 'MiB', reference: { label: `${small} MiB`, value: little.serverAnonPeak / MiB }, ratio: big.serverAnonPeak / little.serverAnonPeak, target: `flat (< 1.25x for ${large / small}x the data)`, met: big.serverAnonPeak / little.serverAnonPeak < 1.25 },
    ]
    const notes = [
      `${small} MiB: backup ${(little.bytes / MiB).toFixed(0)} MiB in ${little.seconds.toFixed(1)} s; command peak ${(little.cliPeak / MiB).toFixed(0)} MiB; server ${(little.serverIdle / MiB).toFixed(0)} MiB anonymous before it, ${(little.serverAnonPeak / MiB).toFixed(0)} MiB at its peak`,
      `${large} MiB: backup ${(big.bytes / MiB).toFixed(0)} MiB in ${big.seconds.toFixed(1)} s; command peak ${(big.cliPeak / MiB).toFixed(0)} MiB; server ${(big.serverIdle / MiB).toFixed(0)} MiB anonymous before it, ${(big.serverAnonPeak / MiB).toFixed(0)} MiB at its peak`,
    ]
    return { id: '9-backup', title: 'Backup through the running server', figures, notes }
  } finally {
    await rm(file, { force: true })
  }
}

async function readFirstKey (ctx: BenchContext): Promise<string> {
  const [force] = (await readdir(ctx.keys.keysDir)).sort()
  return readFile(path.join(ctx.keys.keysDir, force!, 'unit.asc'), 'utf8')
}
