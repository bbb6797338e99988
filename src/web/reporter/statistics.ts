/**
 * The public statistics (issue 12) on the reporter listener: GET /statistics
 * (an area and a period chosen through a plain GET form), /statistics.csv and
 * /statistics.json. Everything comes from one published dataset
 * (domain/statistics/publication.ts), so the page and both files agree;
 * pages without a reporter session and both files are rendered once per
 * dataset, which changes at most daily.
 */
import type Router from '@koa/router'
import type { Context } from 'koa'
import { toCsv, toJson } from '../../domain/statistics/open-data.js'
import { AREAS, NATIONAL, type PublicDataset, type PublicStatistics } from '../../domain/statistics/publication.js'
import type { Period } from '../../domain/statistics/periods.js'
import { financialYearOf } from '../../domain/statistics/periods.js'
import { CandourError } from '../../errors.js'
import type { WebDeps } from '../deps.js'
import { encoded, sendEncoded, type Encoded } from '../page-cache.js'
import { pageContext as localeContext } from '../middleware/locale.js'
import { strictRouter } from '../router.js'
import { currentReporter, sessionContext, type ReporterSessions } from './session.js'
import { periodView, tablesOf, withBars } from './statistics-page.js'

const MAX_CACHED_PAGES = 600

function send (ctx: Context, type: string, body: Encoded): void {
  ctx.type = type
  sendEncoded(ctx, body)
}

function param (ctx: Context, name: string): string | undefined {
  const value = ctx.query[name]
  if (value === undefined) return undefined
  // Repeated or empty parameters are not a choice the form can make.
  if (typeof value !== 'string' || value === '') throw new CandourError('NOT_FOUND', 'no such statistics')
  return value
}

/** The default period: the latest financial year published, else the latest quarter, else the latest month. */
function defaultPeriod (dataset: PublicDataset): Period | undefined {
  for (const type of ['financial-year', 'quarter', 'month'] as const) {
    const list = dataset.periods.filter((period) => period.type === type)
    if (list.length > 0) return list[list.length - 1]
  }
  return undefined
}

/** The page's context for an area and a period of the dataset. */
function pageContext (deps: WebDeps, dataset: PublicDataset, area: string, period: Period | undefined): Record<string, unknown> {
  const choices = {
    areas: AREAS.map((id) => ({ id, name: id === NATIONAL ? undefined : deps.forces.name(id) })),
    periods: [...dataset.periods].reverse().map(periodView),
    licence: deps.config.statsLicence,
    lastMonth: dataset.lastMonth === undefined ? undefined : Number(dataset.lastMonth.slice(5, 7)),
    lastMonthYear: dataset.lastMonth?.slice(0, 4),
  }
  if (period === undefined) return { ...choices, area: { id: area }, empty: true }
  const cell = (periodId: string, unit: string, measure: string): { value: number | null; suppressed: boolean } => dataset.cell(periodId, unit, measure)
  // The months of the financial year the chosen period falls in, as far as they are published.
  const published = new Set(dataset.periods.map((p) => p.id))
  const trendMonths = financialYearOf(period.months[0]!).months.filter((month) => published.has(month))
  return {
    ...choices,
    area: { id: area, name: area === NATIONAL ? undefined : deps.forces.name(area) },
    national: area === NATIONAL,
    period: periodView(period),
    tables: tablesOf((measure) => cell(period.id, area, measure)),
    trend: withBars(trendMonths.map((month) => ({ month: Number(month.slice(5, 7)), year: month.slice(0, 4), ...cell(month, area, 'received') }))),
    byForce: area === NATIONAL
      ? withBars(AREAS.filter((id) => id !== NATIONAL).map((id) => ({ id, name: deps.forces.name(id), ...cell(period.id, id, 'received') })))
      : undefined,
  }
}

/** Builds the router of the public statistics. */
export function statisticsRoutes (deps: WebDeps, statistics: PublicStatistics, sessions: ReporterSessions): Router {
  const router = strictRouter()
  // Rendered pages and files, per dataset: a new dataset (a new day or a rebuild) starts afresh.
  let cache: { dataset: PublicDataset; pages: Map<string, Encoded>; csv?: Encoded; json?: Encoded } | undefined
  const cacheFor = (dataset: PublicDataset): NonNullable<typeof cache> => {
    if (cache?.dataset !== dataset) cache = { dataset, pages: new Map() }
    return cache
  }

  router.get('/statistics', async (ctx) => {
    const dataset = await statistics.current()
    const area = param(ctx, 'area') ?? NATIONAL
    const periodId = param(ctx, 'period')
    if (!AREAS.includes(area)) throw new CandourError('NOT_FOUND', 'no such statistics')
    let period = defaultPeriod(dataset)
    if (periodId !== undefined) {
      // Only published periods: the current month, an unfinished quarter or year, never.
      period = dataset.periods.find((p) => p.id === periodId)
      if (period === undefined) throw new CandourError('NOT_FOUND', 'no such statistics')
    }
    const session = currentReporter(ctx, sessions)
    const render = (): string => deps.render('reporter/statistics.njk', { ...localeContext(ctx), ...sessionContext(session), ...pageContext(deps, dataset, area, period) })
    if (session !== undefined) { ctx.type = 'text/html; charset=utf-8'; ctx.body = render(); return }
    const entry = cacheFor(dataset)
    const key = `${localeContext(ctx).locale}\n${area}\n${period?.id ?? ''}`
    let page = entry.pages.get(key)
    if (page === undefined) {
      if (entry.pages.size >= MAX_CACHED_PAGES) entry.pages.clear()
      page = encoded(render())
      entry.pages.set(key, page)
    }
    send(ctx, 'text/html; charset=utf-8', page)
  })

  const licenceLink = `<${deps.config.statsLicence.url}>; rel="license"`
  router.get('/statistics.csv', async (ctx) => {
    const entry = cacheFor(await statistics.current())
    entry.csv ??= encoded(toCsv(entry.dataset))
    ctx.set('Link', licenceLink)
    ctx.set('Content-Disposition', 'inline; filename="candour-statistics.csv"')
    send(ctx, 'text/csv; charset=utf-8; header=present', entry.csv)
  })

  router.get('/statistics.json', async (ctx) => {
    const entry = cacheFor(await statistics.current())
    entry.json ??= encoded(toJson(entry.dataset, deps.config.statsLicence))
    ctx.set('Link', licenceLink)
    send(ctx, 'application/json; charset=utf-8', entry.json)
  })

  return router
}
