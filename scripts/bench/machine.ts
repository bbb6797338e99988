/** What machine a run came from: cores, CPU model, memory, versions, load. */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import { promisify } from 'node:util'

const run = promisify(execFile)

async function firstLine (command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args)).stdout.split('\n')[0]!.trim()
  } catch {
    return 'not installed'
  }
}

/** The load averages (1, 5, 15 minutes) now. */
export function loadAverage (): string {
  return os.loadavg().map((n) => n.toFixed(2)).join(' ')
}

/** Describes this machine. */
export async function describeMachine (): Promise<Record<string, string | number>> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '')
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown'
  return {
    cpus: os.availableParallelism(),
    cpuModel: model.trim(),
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    gpg: await firstLine('gpg', ['--version']),
    kernel: os.release(),
    loadAtStart: loadAverage(),
  }
}
