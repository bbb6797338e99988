/**
 * Scenario 7: Tor-like uploads (issue 9). Reporters on Tor send at the pace of
 * a circuit, about 25 KB/s, so an upload of a couple of MiB stays open for over
 * a minute. Many such uploads at once hold sockets, buffers and pending blobs
 * for a long time while each moves little data; the landing page is loaded at a
 * steady rate meanwhile. Reported: how many were stored (counted in the store
 * afterwards, none left pending), the server's peak RSS, and the page's p99,
 * with the page's p99 at rest in the same run as its reference.
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { BenchContext } from '../context.js'
import { withCandour } from '../context.js'
import { trickleReport } from '../http.js'
import { BROWSER_HEADERS, load } from '../load.js'
import type { Figure, ScenarioResult } from '../results.js'
import { countStore } from './concurrency.js'
import { PAGE_CONNECTIONS } from './pages.js'

const MiB = 1024 * 1024
// A busy landing page over Tor, not a flood: the page's latency is what is measured, not its ceiling.
const PAGE_RATE = 100

/** Runs scenario 7. */
export async function torScenario (ctx: BenchContext): Promise<ScenarioResult> {
  const { torUploads: count, torKiB: kib, torKBps: kbps } = ctx.sizes
  const bytes = kib * 1024
  const content = randomBytes(bytes)
  const uploadSeconds = bytes / (kbps * 1000)
  const run = await withCandour(ctx, async (server, dataDir) => {
    const landing = new URL('/', server.url).href
    ctx.log('tor: landing page at rest')
    const rest = await load({ url: landing, connections: PAGE_CONNECTIONS, seconds: ctx.sizes.loadSeconds, overallRate: PAGE_RATE, headers: { ...BROWSER_HEADERS } })
    ctx.log(`tor: ${count} uploads of ${kib} KiB at ${kbps} KB/s (about ${Math.round(uploadSeconds)} s each), landing page loaded meanwhile`)
    const started = performance.now()
    // Started over a second, as people arrive, not in one instant.
    const uploads = Array.from({ length: count }, (_, i) => new Promise<void>((resolve) => setTimeout(resolve, (i * 1000) / count)).then(() => trickleReport(server.url, content, kbps * 1000)))
    const settled = Promise.allSettled(uploads)
    // The page is measured while every upload is in flight.
    const pageSeconds = Math.max(1, Math.min(ctx.sizes.loadSeconds * 6, Math.floor(uploadSeconds - 2)))
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const busy = await load({ url: landing, connections: PAGE_CONNECTIONS, seconds: pageSeconds, overallRate: PAGE_RATE, headers: { ...BROWSER_HEADERS } })
    const results = await settled
    const seconds = (performance.now() - started) / 1000
    const peak = await server.peakRss()
    const accepted = results.filter((r) => r.status === 'fulfilled' && r.value.status === 303).length
    if (rest.failures > 0 || busy.failures > 0) throw new Error('page requests failed in the Tor-like scenario')
    await server.stop()
    return { rest, busy, pageSeconds, seconds, peak, accepted, store: await countStore(dataDir, bytes) }
  }, {
    // Every upload is in progress at once for over a minute: the instance is set for that many (the default cap is 32).
    // The uploads end together, so their new reporters come as a burst: the codename reserve serves it, as
    // in production (with it off, all but the 2 running and 50 queued on-the-spot derivations get the busy page).
    env: { CANDOUR_MAX_UPLOADS: String(Math.max(32, count)), CANDOUR_CODENAME_RESERVE: String(count) },
    waitFor: /codename reserve ready/,
    timeoutMs: 600_000,
  })
  const stored = Math.min(run.store.reports, run.store.attachmentsOfSize)
  const figures: Figure[] = [
    { id: 'tor.stored', label: `${count} x ${kib} KiB at ${kbps} KB/s, stored with their attachment`, value: stored, unit: 'reports', target: `= ${count}, none pending`, met: stored === count && run.accepted === count && run.store.reports === count && run.store.pending === 0 },
    { id: 'tor.seconds', label: 'time for all uploads', value: run.seconds, unit: 's' },
    { id: 'tor.peakRss', label: 'server peak RSS', value: run.peak / MiB, unit: 'MiB', target: '< 300 MiB', met: run.peak < 300 * MiB },
    { id: 'tor.page.rest.p99', label: `landing page p99 at ${PAGE_RATE} req/s, no uploads`, value: run.rest.p99Ms, unit: 'ms' },
    { id: 'tor.page.p99', label: `landing page p99 at ${PAGE_RATE} req/s, ${count} uploads in flight`, value: run.busy.p99Ms, unit: 'ms', reference: { label: 'at rest', value: run.rest.p99Ms }, ratio: run.busy.p99Ms / Math.max(run.rest.p99Ms, 1), target: '< 50 ms', met: run.busy.p99Ms < 50 },
  ]
  return {
    id: '7-tor',
    title: 'Tor-like uploads',
    figures,
    notes: [`${run.accepted} answered 303; ${run.store.pending} blobs left pending; CANDOUR_MAX_UPLOADS=${Math.max(32, count)}, CANDOUR_CODENAME_RESERVE=${count} (filled first); page measured for ${run.pageSeconds} s with ${PAGE_CONNECTIONS} connections`],
  }
}
