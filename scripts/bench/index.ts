/**
 * `npm run bench`: runs every scenario against the real server started as a
 * child process, prints a table and writes bench/results.json.
 *   --quick         small sizes, well under a minute (the smoke test runs this)
 *   --only 1,3      run only these scenarios
 *   --cpu-prof DIR  start every server child with --cpu-prof into DIR
 *   --out FILE      write the results there instead of bench/results.json
 */
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { FULL, QUICK, type BenchContext } from './context.js'
import { makeBenchKeys } from './keys.js'
import { describeMachine, loadAverage } from './machine.js'
import { formatTable, type RunResult, type ScenarioResult } from './results.js'
import { ROOT, stopAllServers } from './server.js'
import { backupScenario } from './scenarios/backup.js'
import { concurrencyScenario } from './scenarios/concurrency.js'
import { loginsScenario } from './scenarios/logins.js'
import { pageWeightScenario } from './scenarios/page-weight.js'
import { pagesScenario } from './scenarios/pages.js'
import { scaleScenario } from './scenarios/scale.js'
import { statisticsScenario } from './scenarios/statistics.js'
import { textReportsScenario } from './scenarios/text-reports.js'
import { torScenario } from './scenarios/tor.js'
import { uploadScenario } from './scenarios/upload.js'

/** Every scenario, by number. */
export const SCENARIOS: ReadonlyArray<readonly [string, (ctx: BenchContext) => Promise<ScenarioResult>]> = [
  ['1', uploadScenario],
  ['2', pagesScenario],
  ['3', textReportsScenario],
  ['4', loginsScenario],
  ['5', scaleScenario],
  ['6', concurrencyScenario],
  ['7', torScenario],
  ['8', pageWeightScenario],
  ['9', backupScenario],
  ['10', statisticsScenario],
]

/** Options of one run. */
export interface BenchOptions {
  readonly quick: boolean
  readonly only?: readonly string[]
  readonly cpuProfDir?: string
  /** Where results.json goes; bench/results.json by default. */
  readonly out?: string
  readonly log?: (line: string) => void
}

/** Runs the harness; resolves with the results (also written to disk). */
export async function runBench (options: BenchOptions): Promise<RunResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`bench: ${line}\n`))
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'candour-bench-'))
  // Ctrl-C or a kill stops the run without leaving servers, a gpg-agent or gigabytes of work files behind.
  const interrupted = (signal: NodeJS.Signals): void => {
    stopAllServers()
    try {
      execFileSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: path.join(workDir, 'gnupg') }, stdio: 'ignore' })
    } catch { /* no agent was started */ }
    rmSync(workDir, { recursive: true, force: true })
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  const keys = await makeBenchKeys(workDir)
  try {
    const machine = await describeMachine()
    const ctx: BenchContext = {
      quick: options.quick,
      sizes: options.quick ? QUICK : FULL,
      workDir,
      keys,
      serverNodeArgs: options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProfDir)}`],
      log,
    }
    const scenarios: ScenarioResult[] = []
    for (const [id, scenario] of SCENARIOS) {
      if (options.only !== undefined && !options.only.includes(id)) continue
      log(`scenario ${id} (load ${loadAverage()})`)
      scenarios.push(await scenario(ctx))
    }
    const result: RunResult = { quick: options.quick, machine: { ...machine, loadAtEnd: loadAverage() }, scenarios }
    const out = options.out ?? path.join(ROOT, 'bench', 'results.json')
    await mkdir(path.dirname(out), { recursive: true })
    await writeFile(out, JSON.stringify(result, null, 2) + '\n')
    return result
  } finally {
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
    await keys.dispose()
    await rm(workDir, { recursive: true, force: true })
  }
}

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
      out: { type: 'string' },
    },
  })
  const result = await runBench({
    quick: values.quick ?? false,
    ...(values.only === undefined ? {} : { only: values.only.split(',').map((s) => s.trim()) }),
    ...(values['cpu-prof'] === undefined ? {} : { cpuProfDir: values['cpu-prof'] }),
    ...(values.out === undefined ? {} : { out: values.out }),
  })
  process.stdout.write(formatTable(result) + '\n')
  for (const scenario of result.scenarios) for (const note of scenario.notes) process.stdout.write(`${scenario.id}: ${note}\n`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
