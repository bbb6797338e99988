/**
 * Servers under test, each a child process of the harness, so that its peak
 * memory is its own (VmHWM in /proc/<pid>/status) and the references (bare
 * Koa, gpg) run the same way in the same process tree.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'

/** The repository root (two folders up from this file). */
export const ROOT = path.resolve(import.meta.dirname, '..', '..')

/**
 * How `npm start` runs the server (package.json: "[VAR=value ...] tsx [flags] src/main.ts"):
 * its environment assignments and node flags, so the benchmark measures the server
 * as it is run, not a variant of it.
 */
export function startCommand (): { env: Record<string, string>; flags: string[] } {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }
  const match = /^((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)tsx((?:\s+--[\w-]+(?:=\S+)?)*)\s+src\/main\.ts$/.exec(pkg.scripts?.start ?? '')
  if (match === null) throw new Error('package.json start is not "[VAR=value ...] tsx [flags] src/main.ts"')
  const words = (text: string): string[] => text.trim().split(/\s+/).filter((word) => word !== '')
  const env = Object.fromEntries(words(match[1]!).map((assignment) => [assignment.slice(0, assignment.indexOf('=')), assignment.slice(assignment.indexOf('=') + 1)]))
  return { env, flags: words(match[2]!) }
}

/** A server running as a child process. */
export interface ChildServer {
  readonly url: string
  /** The reviewer workspace's listener, when the server has one (Candour's own). */
  readonly reviewUrl?: string
  readonly pid: number
  /** Milliseconds from spawn to the "listening on" line. */
  readonly startMs: number
  /** The child's peak resident set size so far, in bytes (VmHWM). */
  peakRss (): Promise<number>
  /** Bytes the child has handed to write() so far (wchar in /proc/<pid>/io): files, log and sockets. */
  writtenBytes (): Promise<number>
  /** CPU seconds the child has used so far, every thread counted (utime + stime). */
  cpuSeconds (): Promise<number>
  /** Stops the child with SIGTERM and waits for it to exit. */
  stop (): Promise<void>
}

/** How to start one server. */
export interface SpawnOptions {
  /** Script to run with `node --import tsx`, relative to the repository root. */
  readonly entry: string
  readonly env?: Record<string, string>
  /** Extra node flags, such as --cpu-prof. */
  readonly nodeArgs?: readonly string[]
  /** Give up waiting for the listening line after this long. */
  readonly timeoutMs?: number
  /** A line to wait for as well, after the listening line (such as the codename reserve being ready). */
  readonly waitFor?: RegExp
}

async function statusField (pid: number, field: 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)
  if (match === null) throw new Error(`no ${field} for the server process`)
  return Number(match[1]) * 1024
}

const LISTENING = /listening on (http:\/\/[^\s,]+)/
const WORKSPACE = /workspace on (http:\/\/[^\s,)]+)/
const CLOCK_TICKS = 100

/** CPU seconds of a process (`self` or a pid) from /proc: its own, or (children) those of its waited-for children. */
export async function procCpuSeconds (pid: number | 'self', which: 'own' | 'children' = 'own'): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which may itself hold spaces: utime is the 14th field of the line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const at = which === 'own' ? 11 : 13
  return (Number(fields[at]) + Number(fields[at + 1])) / CLOCK_TICKS
}

// Server children alive now, so that an interrupted run can stop them (stopAllServers).
const alive = new Set<ChildProcess>()

/** Kills every server child still running, at once; for a run interrupted by a signal. */
export function stopAllServers (): void {
  for (const child of alive) child.kill('SIGKILL')
}

/** Starts a server child and resolves once it prints its "listening on <url>" line. */
export async function spawnServer (options: SpawnOptions): Promise<ChildServer> {
  const started = performance.now()
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ...(options.nodeArgs ?? []), options.entry], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const pid = child.pid
  if (pid === undefined) throw new Error('server did not start')
  alive.add(child)
  child.once('exit', () => alive.delete(child))
  let log = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let startMs = NaN
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not listen in time:\n${log}`)) }, options.timeoutMs ?? 60_000)
    const onData = (chunk: Buffer): void => {
      log += chunk.toString('utf8')
      const match = LISTENING.exec(log)
      if (match !== null && Number.isNaN(startMs)) startMs = performance.now() - started
      if (match !== null && (options.waitFor === undefined || options.waitFor.test(log))) { clearTimeout(timer); resolve(match[1]!) }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code} before listening:\n${log}`)) })
  })
  // Keep reading the pipes, without keeping what they say, so a chatty child never blocks on a full pipe.
  child.stdout!.removeAllListeners('data')
  child.stderr!.removeAllListeners('data')
  child.stdout!.resume()
  child.stderr!.resume()
  const reviewUrl = WORKSPACE.exec(log)?.[1]
  return {
    url,
    ...(reviewUrl === undefined ? {} : { reviewUrl }),
    pid,
    startMs,
    peakRss: () => statusField(pid, 'VmHWM'),
    cpuSeconds: () => procCpuSeconds(pid),
    async writtenBytes () {
      const io = await readFile(`/proc/${pid}/io`, 'utf8')
      return Number(/^wchar:\s+(\d+)$/m.exec(io)?.[1] ?? NaN)
    },
    async stop () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await exited
      clearTimeout(timer)
    },
  }
}
