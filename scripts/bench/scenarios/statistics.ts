/**
 * Scenario 10 (issue 12): the public statistics page read on a store of a
 * million reports (scripts/bench/fill-store.ts, the scale scenario's
 * generator: every report with its counted history and the counters the
 * service would have added) against an empty store, in the same run: the
 * default page (the nation, the latest financial year) and a force's month,
 * each requested many times by one client after a warm-up. The counters make
 * the time independent of the number of reports; the target is p99 < 20 ms.
 */
import { mkdtemp } from 'node:fs/promises'
import path from 'node:path'
import type { BenchContext } from '../context.js'
import { withCandour } from '../context.js'
import { BROWSER_HEADERS, load, type LoadResult } from '../load.js'
import type { Figure, ScenarioResult } from '../results.js'
import { addMonths } from '../../../src/domain/statistics/periods.js'
import { BUSIEST_FORCE, fillStore } from '../fill-store.js'

interface Measured { readonly fullPage: LoadResult; readonly forceMonth: LoadResult }

async function measureStore (ctx: BenchContext, dataDir: string, lastMonth: string, withData: boolean): Promise<Measured> {
  return withCandour(ctx, async (server) => {
    const requests = ctx.sizes.scaleRequests
    const measure = async (pathname: string, mustShow: RegExp): Promise<LoadResult> => {
      const url = new URL(pathname, server.url).href
      const page = await fetch(url)
      const html = await page.text()
      if (page.status !== 200 || !mustShow.test(html)) throw new Error(`the statistics page answered ${page.status} without what it is measured for`)
      await load({ url, connections: 1, amount: Math.max(10, requests / 10), headers: { ...BROWSER_HEADERS } })
      const result = await load({ url, connections: 1, amount: requests, headers: { ...BROWSER_HEADERS } })
      if (result.failures > 0) throw new Error(`${result.failures} failed requests to ${url}`)
      return result
    }
    const empty = /id="no-statistics"|id="table-received"/
    return {
      fullPage: await measure('/statistics', empty),
      // The latest month where it is published (the filled store); the force's default page otherwise.
      forceMonth: await measure(`/statistics?area=${BUSIEST_FORCE}${withData ? `&period=${lastMonth}` : ''}`, empty),
    }
  }, { dataDir, env: { CANDOUR_RETAIN_CLOSED_DAYS: '36500' } })
}

/** Runs scenario 10. */
export async function statisticsScenario (ctx: BenchContext): Promise<ScenarioResult> {
  const reports = ctx.sizes.storeReports
  const lastMonth = addMonths(new Date().toISOString().slice(0, 7), -1)
  const emptyDir = await mkdtemp(path.join(ctx.workDir, 'stats-empty-'))
  const filledDir = await mkdtemp(path.join(ctx.workDir, 'stats-filled-'))
  ctx.log(`statistics: ${reports} reports with their counters`)
  const filledStore = await fillStore(filledDir, reports, (n) => { if (n % 100_000 === 0) ctx.log(`statistics: ${n} reports written`) })
  ctx.log('statistics: empty store')
  const empty = await measureStore(ctx, emptyDir, lastMonth, false)
  ctx.log('statistics: filled store')
  const filled = await measureStore(ctx, filledDir, lastMonth, true)
  const figures: Figure[] = [
    { id: 'statistics.fill.reports', label: 'reports in the filled store', value: filledStore.reports, unit: 'reports' },
    { id: 'statistics.fill.seconds', label: 'store generator, with counters', value: filledStore.seconds, unit: 's' },
    { id: 'statistics.empty.p99', label: 'statistics page, empty store, p99', value: empty.fullPage.p99Ms, unit: 'ms' },
    { id: 'statistics.filled.p50', label: `statistics page, ${reports} reports, p50`, value: filled.fullPage.p50Ms, unit: 'ms' },
    { id: 'statistics.filled.p99', label: `statistics page, ${reports} reports, p99`, value: filled.fullPage.p99Ms, unit: 'ms', target: '< 20 ms', met: filled.fullPage.p99Ms < 20 },
    { id: 'statistics.force.empty.p99', label: 'a force\'s month, empty store, p99', value: empty.forceMonth.p99Ms, unit: 'ms' },
    { id: 'statistics.force.filled.p99', label: `a force's month, ${reports} reports, p99`, value: filled.forceMonth.p99Ms, unit: 'ms', target: '< 20 ms', met: filled.forceMonth.p99Ms < 20 },
  ]
  return {
    id: '10-statistics',
    title: 'Statistics',
    figures,
    notes: [
      `the filled store holds ${reports} reports received over three years, each with its history and the counters the service adds as it stores them (received by channel, category and urgency; closures with outcomes); the page reads only counters`,
      'both servers run with CANDOUR_RETAIN_CLOSED_DAYS=36500, so the daily sweep a minute after start deletes nothing while the pages are measured',
      `each page requested ${ctx.sizes.scaleRequests} times by one client after a warm-up; the dataset is built at start-up and then once a day`,
    ],
  }
}
