/**
 * `candour stats` (issue 12): the unsuppressed figures for the operator, from
 * the same use case as the workspace page (so the same access rule and the
 * same audit entry), and `stats verify` / `stats rebuild` for the counters.
 * Works with the server stopped or running (through its control socket).
 */
import type { Command } from 'commander'
import { loadConfig } from '../config.js'
import { rebuildCounters, verifyCounters } from '../domain/statistics/counters.js'
import { type OwnFigures } from '../domain/statistics/own-figures.js'
import { OPERATOR } from '../domain/actors.js'
import { Workspace } from '../domain/workspace.js'
import { CandourError } from '../errors.js'
import type { Kv } from '../store/kv.js'
import { openStoreAnyway } from '../store/open.js'

async function withStore<T> (work: (kv: Kv) => Promise<T>): Promise<T> {
  const { kv } = await openStoreAnyway(loadConfig().dataDir)
  try {
    return await work(kv)
  } finally {
    await kv.close()
  }
}

/** The figures as tab-separated lines: a header of period ids, then one line per measure. */
export function figuresTable (figures: OwnFigures): string[] {
  const columns = [...figures.periods.map((period) => period.id), 'total']
  return [
    `# ${figures.area} ${figures.from}..${figures.to} (unsuppressed; not for publication)`,
    ['measure', ...columns].join('\t'),
    ...figures.measures.map((measure) => [measure, ...columns.map((id) => String(figures.value(id, measure)))].join('\t')),
  ]
}

/** The figures as one JSON document. */
export function figuresJson (figures: OwnFigures): string {
  const columns = [...figures.periods.map((period) => ({ id: period.id, type: period.type })), { id: 'total', type: 'range' }]
  return JSON.stringify({
    area: figures.area,
    from: figures.from,
    to: figures.to,
    suppressed: false,
    periods: columns,
    figures: Object.fromEntries(columns.map(({ id }) => [id, Object.fromEntries(figures.measures.map((measure) => [measure, figures.value(id, measure)]))])),
  }, null, 2)
}

/** Adds the `stats` commands to the program. */
export function registerStatsCommands (cli: Command, out: (line: string) => void): void {
  const stats = cli.command('stats')
    .description('statistics: unsuppressed figures for the operator (--from/--to), or `verify` / `rebuild` the counters')
    .option('--from <month>', 'first month, YYYY-MM')
    .option('--to <month>', 'last month, YYYY-MM (the current month at most)')
    .option('--force <id>', 'one force (see `candour forces`); the national figures without it')
    .option('--json', 'print JSON instead of a tab-separated table')
    .action(async (options: { from?: string; to?: string; force?: string; json?: boolean }) => {
      if (options.from === undefined || options.to === undefined) throw new CandourError('VALIDATION_FAILED', 'give --from and --to (YYYY-MM)', { detail: { field: options.from === undefined ? 'from' : 'to' } })
      const figures = await withStore(async (kv) => (await new Workspace({ kv, recipients: async () => new Map() }).statistics(OPERATOR, { from: options.from!, to: options.to!, ...(options.force === undefined ? {} : { area: options.force }) })).figures)
      if (options.json === true) out(figuresJson(figures))
      else for (const line of figuresTable(figures)) out(line)
    })

  stats.command('verify')
    .description('prove that the counters equal a recount of the records: exit 0 when they do')
    .action(async () => {
      const result = await withStore((kv) => verifyCounters(kv))
      if (!result.ok) {
        for (const d of result.differences) out(`differs: ${d.key} stored ${d.stored}, recounted ${d.recounted}`)
        out(`${result.differing} counter(s) differ from the recount; run \`candour stats rebuild\``)
        throw new CandourError('STATS_MISMATCH', 'statistics counters differ from a recount')
      }
      out(`statistics counters match a recount: ${result.counters} counters`)
    })

  stats.command('rebuild')
    .description('recompute every counter from the records (for a store made before counters existed); best with the service quiet')
    .action(async () => {
      const count = await withStore((kv) => rebuildCounters(kv))
      out(`statistics counters rebuilt: ${count} counters`)
    })
}
