/**
 * Scenario 3: text-only reports at 16 concurrent clients, each a new reporter
 * (a codename, its scrypt derivation at the production cost, a reply key pair,
 * the report encrypted and committed). First as a burst served from the
 * codename reserve, filled ahead of time (src/domain/codename-reserve.ts), the
 * way a quiet server meets a sudden crowd; then with the reserve off, so that
 * every reporter's derivation is paid on the spot: the rate it can sustain.
 */
import os from 'node:os'
import type { BenchContext } from '../context.js'
import { withCandour } from '../context.js'
import { textReportBody } from '../http.js'
import { load, type LoadResult } from '../load.js'
import type { Figure, ScenarioResult } from '../results.js'
import { scryptMs } from '../scrypt-cost.js'
import type { ChildServer } from '../server.js'

/** Concurrent clients, as the issue sets it. */
export const TEXT_CLIENTS = 16
/** The production key-derivation cost (CANDOUR_SCRYPT_COST's default). */
export const PRODUCTION_COST = 2 ** 15

// A fixed number of reports rather than a fixed time: at the production cost
// one report takes longer than a quick run's second, and every one must finish.
async function post (server: ChildServer, amount: number): Promise<LoadResult & { cpuPerReport: number }> {
  const url = server.url
  const { body, contentType } = textReportBody()
  const headers = { 'Content-Type': contentType, Origin: new URL(url).origin }
  const target = new URL('/report', url).href
  await load({ url: target, connections: TEXT_CLIENTS, amount: TEXT_CLIENTS, method: 'POST', headers, body, expectStatus: 303 })
  const cpu = await server.cpuSeconds()
  const result = await load({ url: target, connections: TEXT_CLIENTS, amount, method: 'POST', headers, body, expectStatus: 303 })
  if (result.failures > 0) throw new Error(`${result.failures} text reports failed`)
  return { ...result, cpuPerReport: (await server.cpuSeconds() - cpu) / result.requests }
}

/** Runs scenario 3. */
export async function textReportsScenario (ctx: BenchContext): Promise<ScenarioResult> {
  const { textReserve, textReports, textReportsSustained } = ctx.sizes
  if (textReports + TEXT_CLIENTS > textReserve) throw new Error('the burst and its warm-up must fit in the reserve')
  ctx.log(`text reports: a burst from a reserve of ${textReserve} codenames (waiting for it to fill)`)
  const reserveEnv = { CANDOUR_CODENAME_RESERVE: String(textReserve) }
  const burst = await withCandour(ctx, async (server) => {
    // Start-up and the fill, up to the ready line the harness waited for.
    const fillSeconds = await server.cpuSeconds()
    return { ...await post(server, textReports), fillSeconds }
  }, { env: reserveEnv, waitFor: /codename reserve ready/, timeoutMs: 600_000 })
  ctx.log('text reports: sustained, every derivation on the spot (reserve off)')
  const sustained = await withCandour(ctx, (server) => post(server, textReportsSustained))
  const derivation = await scryptMs(PRODUCTION_COST)
  const cores = os.availableParallelism()
  // Each new reporter made on the spot costs one derivation; no more than this many can finish a second on these cores.
  const ceiling = cores * 1000 / derivation
  const figures: Figure[] = [
    { id: 'text.rps', label: `text reports, ${TEXT_CLIENTS} clients, burst from the codename reserve`, value: burst.requestsPerSecond, unit: 'reports/s', target: '>= 200 reports/s', met: burst.requestsPerSecond >= 200 },
    { id: 'text.p50', label: 'text report p50, burst', value: burst.p50Ms, unit: 'ms' },
    { id: 'text.p99', label: 'text report p99, burst', value: burst.p99Ms, unit: 'ms' },
    { id: 'text.cpu', label: 'server CPU per text report, burst', value: burst.cpuPerReport * 1000, unit: 'ms' },
    { id: 'text.reserve.fill', label: `server CPU to start and fill a reserve of ${textReserve}`, value: burst.fillSeconds, unit: 's' },
    { id: 'text.sustained.rps', label: `text reports, ${TEXT_CLIENTS} clients, reserve off (sustained)`, value: sustained.requestsPerSecond, unit: 'reports/s' },
    { id: 'text.sustained.p99', label: 'text report p99, reserve off', value: sustained.p99Ms, unit: 'ms' },
    { id: 'text.sustained.cpu', label: 'server CPU per text report, reserve off', value: sustained.cpuPerReport * 1000, unit: 'ms' },
    { id: 'text.scrypt.ms', label: 'one scrypt derivation, N=2^15', value: derivation, unit: 'ms' },
    { id: 'text.scrypt.ceiling', label: `derivation ceiling (${cores} cores / 1 derivation)`, value: ceiling, unit: 'reports/s' },
  ]
  return {
    id: '3-text',
    title: 'Text reports',
    figures,
    notes: [`${TEXT_CLIENTS} connections; every report is a new reporter; a warm-up of ${TEXT_CLIENTS} before each measurement; ${textReports} reports from a reserve of ${textReserve} filled before the burst, then ${textReportsSustained} with the reserve off`],
  }
}
