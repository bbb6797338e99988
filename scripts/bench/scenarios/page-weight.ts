/**
 * Scenario 7: what every reporter page costs over the wire on a first visit
 * (issue 13): its HTML, and its HTML with the stylesheet, against the budget
 * of 25 KB and 30 KB. Byte counts, not timings, so one walk is enough; the
 * server runs in production mode, as `npm start` would, page cache included.
 */
import type { BenchContext } from '../context.js'
import { withCandour } from '../context.js'
import { walkReporterPages } from '../page-walk.js'
import type { Figure, ScenarioResult } from '../results.js'

const KB = 1024

/** Runs scenario 7. */
export async function pageWeightScenario (ctx: BenchContext): Promise<ScenarioResult> {
  return withCandour(ctx, async (server) => {
    ctx.log('weight: walking every reporter page')
    const pages = await walkReporterPages(server.url)
    const figures: Figure[] = []
    for (const page of pages) {
      figures.push({ id: `weight.${page.name}.html`, label: `${page.name} page: HTML`, value: page.htmlBytes / KB, unit: 'KB', target: '<= 25 KB', met: page.htmlBytes <= 25 * KB })
      figures.push({ id: `weight.${page.name}.total`, label: `${page.name} page: HTML + CSS`, value: page.totalBytes / KB, unit: 'KB', target: '<= 30 KB', met: page.totalBytes <= 30 * KB })
    }
    return { id: '8-weight', title: 'Page weight', figures, notes: ['first visit (nothing cached), Accept-Encoding as Tor Browser sends it; bytes on the wire, HTML and HTML with every linked stylesheet'] }
  }, { env: { CANDOUR_CODENAME_RESERVE: '0' } })
}
