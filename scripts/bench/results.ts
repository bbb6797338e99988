/** The shape of the harness's results, and the printed table. */

/** One measured figure, with its reference, ratio and target where it has them. */
export interface Figure {
  /** Stable id, such as "upload.1024MiB.throughput". */
  readonly id: string
  readonly label: string
  readonly value: number
  readonly unit: string
  readonly reference?: { readonly label: string; readonly value: number }
  readonly ratio?: number
  /** The target in words, such as ">= 0.75x gpg". */
  readonly target?: string
  readonly met?: boolean
}

/** One scenario's figures and notes. */
export interface ScenarioResult {
  readonly id: string
  readonly title: string
  readonly figures: readonly Figure[]
  readonly notes: readonly string[]
}

/** A whole run. */
export interface RunResult {
  readonly quick: boolean
  readonly machine: Readonly<Record<string, string | number>>
  readonly scenarios: readonly ScenarioResult[]
}

function fmt (n: number): string {
  if (!Number.isFinite(n)) return String(n)
  // Whole numbers from 1,000 up; below that one decimal, so 199.8 never prints as a target's 200.
  if (Math.abs(n) >= 1000) return n.toFixed(0)
  if (Math.abs(n) >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

/** The run as a plain-text table, one row per figure. */
export function formatTable (run: RunResult): string {
  const rows: string[][] = [['scenario', 'figure', 'value', 'reference', 'ratio', 'target', 'met']]
  for (const scenario of run.scenarios) {
    for (const f of scenario.figures) {
      rows.push([
        scenario.id,
        f.label,
        `${fmt(f.value)} ${f.unit}`,
        f.reference === undefined ? '' : `${f.reference.label} ${fmt(f.reference.value)}`,
        f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}x`,
        f.target ?? '',
        f.met === undefined ? '' : f.met ? 'yes' : 'NO',
      ])
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const line = (r: string[]): string => r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ').trimEnd()
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n')
}

/** The same table as Markdown, for docs/performance.md. */
export function formatMarkdown (run: RunResult): string {
  const head = '| scenario | figure | value | reference | ratio | target | met |\n| --- | --- | --- | --- | --- | --- | --- |'
  const body = run.scenarios.flatMap((s) => s.figures.map((f) => `| ${s.id} | ${f.label} | ${fmt(f.value)} ${f.unit} | ${f.reference === undefined ? '' : `${f.reference.label} ${fmt(f.reference.value)}`} | ${f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`} | ${f.target ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : '**no**'} |`))
  return [head, ...body].join('\n')
}
