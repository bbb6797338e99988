/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by
 * function and by package, so a profile can be read as a table.
 *   tsx scripts/bench/profile-summary.ts FILE.cpuprofile [--top 25]
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** One row of the summary: a function or a package, its self time and share. */
export interface ProfileRow {
  readonly name: string
  readonly ms: number
  readonly share: number
}

function packageOf (url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (nm !== null) return nm[1]!
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0]
  const src = /\/(src|scripts)\/(.+)$/.exec(url)
  if (src !== null) return `${src[1]}/${src[2]}`
  return url
}

/** Self time by function and by package, largest first. */
export async function summariseProfile (file: string): Promise<{ totalMs: number; functions: ProfileRow[]; packages: ProfileRow[] }> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const functions = new Map<string, number>()
  const packages = new Map<string, number>()
  let total = 0
  for (const [id, us] of self) {
    const node = byId.get(id)!
    const { functionName, url, lineNumber } = node.callFrame
    // Idle time is not work: leave it out of the shares.
    if (functionName === '(idle)') continue
    total += us
    const short = url === '' ? '' : ` ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|scripts)\//, '$1/')}:${lineNumber + 1}`
    const name = `${functionName === '' ? '(anonymous)' : functionName}${short}`
    functions.set(name, (functions.get(name) ?? 0) + us)
    const pkg = packageOf(url, functionName)
    packages.set(pkg, (packages.get(pkg) ?? 0) + us)
  }
  const rows = (map: Map<string, number>): ProfileRow[] => [...map].map(([name, us]) => ({ name, ms: us / 1000, share: us / total })).sort((a, b) => b.ms - a.ms)
  return { totalMs: total / 1000, functions: rows(functions), packages: rows(packages) }
}

async function main (): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } })
  const top = Number(values.top)
  for (const file of positionals) {
    const { totalMs, functions, packages } = await summariseProfile(file)
    process.stdout.write(`${file}: ${totalMs.toFixed(0)} ms busy\n\nby package:\n`)
    for (const row of packages.slice(0, top)) process.stdout.write(`  ${(row.share * 100).toFixed(1).padStart(5)} %  ${row.ms.toFixed(0).padStart(7)} ms  ${row.name}\n`)
    process.stdout.write('\nby function:\n')
    for (const row of functions.slice(0, top)) process.stdout.write(`  ${(row.share * 100).toFixed(1).padStart(5)} %  ${row.ms.toFixed(0).padStart(7)} ms  ${row.name}\n`)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => { console.error(err); process.exit(1) })
}
