/**
 * Prints a results file (bench/results.json by default) as the Markdown table
 * docs/performance.md shows, with the machine and the notes.
 *   tsx scripts/bench/report.ts [results.json]
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { formatMarkdown, type RunResult } from './results.js'
import { ROOT } from './server.js'

async function main (): Promise<void> {
  const file = process.argv[2] ?? path.join(ROOT, 'bench', 'results.json')
  const run = JSON.parse(await readFile(file, 'utf8')) as RunResult
  const lines = [
    ...Object.entries(run.machine).map(([key, value]) => `- ${key}: ${String(value)}`),
    '',
    formatMarkdown(run),
    '',
    ...run.scenarios.flatMap((s) => s.notes.map((note) => `- ${s.id}: ${note}`)),
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

main().catch((err: unknown) => { console.error(err); process.exit(1) })
