/**
 * Scenario 4: return visits. Reporters are made through POST /report (their
 * codenames read from the codename page), then logins run at the production
 * key-derivation cost with the login queue kept full (2 running and 50
 * waiting: src/domain/derivation-queue.ts), and the landing page is loaded at
 * the same time to see what that queue does to the rest of the site.
 */
import type { BenchContext } from '../context.js'
import { withCandour } from '../context.js'
import { newReporter } from '../http.js'
import { BROWSER_HEADERS, load, type LoadResult } from '../load.js'
import type { Figure, ScenarioResult } from '../results.js'
import { PAGE_CONNECTIONS } from './pages.js'

/** Logins in flight: the two derivation slots and the full login queue of fifty. */
export const LOGINS_IN_FLIGHT = 2 + 50

/** Runs scenario 4. */
export async function loginsScenario (ctx: BenchContext): Promise<ScenarioResult> {
  return withCandour(ctx, async (server) => {
    ctx.log(`logins: making ${ctx.sizes.reporters} reporters`)
    const codenames: string[] = []
    // Four at a time: each is two scrypt derivations, and the machine has few cores.
    while (codenames.length < ctx.sizes.reporters) {
      const batch = Math.min(4, ctx.sizes.reporters - codenames.length)
      codenames.push(...await Promise.all(Array.from({ length: batch }, () => newReporter(server.url))))
    }
    const landing = new URL('/', server.url).href
    ctx.log('logins: landing page at rest')
    const rest = await load({ url: landing, connections: PAGE_CONNECTIONS, seconds: ctx.sizes.loadSeconds, headers: { ...BROWSER_HEADERS } })
    let next = 0
    const loginUrl = new URL('/login', server.url).href
    const loginLoad = (seconds: number): Promise<LoadResult> => load({
      url: loginUrl,
      connections: LOGINS_IN_FLIGHT,
      seconds,
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: new URL(server.url).origin },
      nextBody: () => new URLSearchParams({ codename: codenames[next++ % codenames.length]! }).toString(),
      expectStatus: 303,
    })
    ctx.log(`logins: ${LOGINS_IN_FLIGHT} logins in flight, landing page loaded meanwhile`)
    // The logins start first and outlast the page load, so the queue is full the whole time pages are measured.
    const lead = ctx.quick ? 1 : 3
    const logins = loginLoad(ctx.sizes.loadSeconds + 2 * lead)
    await new Promise((resolve) => setTimeout(resolve, lead * 1000))
    const busy = await load({ url: landing, connections: PAGE_CONNECTIONS, seconds: ctx.sizes.loadSeconds, headers: { ...BROWSER_HEADERS } })
    const loginResult = await logins
    if (loginResult.failures > 0 || busy.failures > 0 || rest.failures > 0) throw new Error('requests failed in the login scenario')
    const figures: Figure[] = [
      { id: 'logins.rps', label: 'codename logins, scrypt N=2^15', value: loginResult.requestsPerSecond, unit: 'logins/s' },
      { id: 'logins.p50', label: `login p50 (${LOGINS_IN_FLIGHT} in flight)`, value: loginResult.p50Ms, unit: 'ms' },
      { id: 'logins.p99', label: `login p99 (${LOGINS_IN_FLIGHT} in flight)`, value: loginResult.p99Ms, unit: 'ms' },
      { id: 'logins.page.rest.p99', label: 'landing page p99, no logins', value: rest.p99Ms, unit: 'ms' },
      { id: 'logins.page.rps', label: 'landing page with 50 logins queued', value: busy.requestsPerSecond, unit: 'req/s', reference: { label: 'at rest', value: rest.requestsPerSecond }, ratio: busy.requestsPerSecond / rest.requestsPerSecond },
      { id: 'logins.page.p99', label: 'landing page p99 with 50 logins queued', value: busy.p99Ms, unit: 'ms', target: '< 100 ms', met: busy.p99Ms < 100 },
    ]
    return { id: '4-logins', title: 'Return visits', figures, notes: [`${ctx.sizes.reporters} reporters; logins rotate through their codenames; page load ${PAGE_CONNECTIONS} connections for ${ctx.sizes.loadSeconds} s`] }
  })
}
