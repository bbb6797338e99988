/**
 * Scenario 2: requests per second and p99 latency of the landing page and the
 * report form, against bare Koa's "hello world" served the same way (a child
 * process on a loopback port) and loaded the same way in the same run. The
 * three are measured in turn, round after round, and each ratio is the median
 * of the rounds' ratios, so load from other processes on a shared machine
 * falls on both sides of it.
 */
import type { BenchContext } from '../context.js'
import { withCandour } from '../context.js'
import { BROWSER_HEADERS, load, type LoadResult } from '../load.js'
import type { Figure, ScenarioResult } from '../results.js'
import { spawnServer } from '../server.js'
import { median } from '../stats.js'

/** Connections autocannon keeps open in the page measurements. */
export const PAGE_CONNECTIONS = 10

async function measure (ctx: BenchContext, url: string): Promise<LoadResult> {
  const result = await load({ url, connections: PAGE_CONNECTIONS, seconds: ctx.sizes.loadSeconds, headers: { ...BROWSER_HEADERS } })
  if (result.failures > 0) throw new Error(`${result.failures} failed requests to ${url}`)
  return result
}

/** Runs scenario 2. */
export async function pagesScenario (ctx: BenchContext): Promise<ScenarioResult> {
  const rounds = ctx.quick ? 1 : 3
  const koa = await spawnServer({ entry: 'scripts/bench/koa-hello.ts' })
  try {
    return await withCandour(ctx, async (server) => {
      const targets = [
        ['koa', 'bare Koa hello world', koa.url],
        ['landing', 'landing page', new URL('/', server.url).href],
        ['form', 'report form', new URL('/report', server.url).href],
      ] as const
      // Warm-up, so the JIT has compiled every hot path before anything is timed.
      for (const [, , url] of targets) await load({ url, connections: PAGE_CONNECTIONS, seconds: ctx.quick ? 0.5 : 2, headers: { ...BROWSER_HEADERS } })
      const results = new Map<string, LoadResult[]>(targets.map(([id]) => [id, []]))
      for (let round = 0; round < rounds; round++) {
        for (const [id, label, url] of targets) {
          ctx.log(`pages: ${label}, round ${round + 1} of ${rounds}`)
          results.get(id)!.push(await measure(ctx, url))
        }
      }
      const koaRuns = results.get('koa')!
      const figures: Figure[] = [
        { id: 'pages.koa.rps', label: 'bare Koa hello world', value: median(koaRuns.map((r) => r.requestsPerSecond)), unit: 'req/s' },
        { id: 'pages.koa.p99', label: 'bare Koa hello world p99', value: median(koaRuns.map((r) => r.p99Ms)), unit: 'ms' },
      ]
      for (const [id, label] of targets.slice(1)) {
        const runs = results.get(id)!
        const ratio = median(runs.map((r, i) => r.requestsPerSecond / koaRuns[i]!.requestsPerSecond))
        figures.push({ id: `pages.${id}.rps`, label, value: median(runs.map((r) => r.requestsPerSecond)), unit: 'req/s', reference: { label: 'Koa', value: figures[0]!.value }, ratio, target: '>= 0.5x Koa', met: ratio >= 0.5 })
        figures.push({ id: `pages.${id}.p99`, label: `${label} p99`, value: median(runs.map((r) => r.p99Ms)), unit: 'ms' })
      }
      return { id: '2-pages', title: 'Pages', figures, notes: [`${PAGE_CONNECTIONS} connections sending a browser's Accept-Encoding, ${ctx.sizes.loadSeconds} s per measurement, ${rounds} round(s) taken in turn; medians (autocannon reports latency in whole milliseconds)`] }
    })
  } finally {
    await koa.stop()
  }
}
