/**
 * Scenario 3: text-only reports at 16 concurrent clients, each a new reporter
 * (codename, two scrypt derivations at the production cost, a reply key pair,
 * the report encrypted and committed). For the cause of the figure, the same
 * load at the lowest cost the code accepts, and what one derivation costs.
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
/** The lowest cost config.ts accepts (outside production only). */
export const LOWEST_COST = 2 ** 10

// A fixed number of reports rather than a fixed time: at the production cost
// one report takes longer than a quick run's second, and every one must finish.
async function post (ctx: BenchContext, server: ChildServer, amount: number): Promise<LoadResult & { cpuPerReport: number }> {
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
  ctx.log('text reports: production key-derivation cost')
  const production = await withCandour(ctx, (server) => post(ctx, server, ctx.sizes.textReports))
  ctx.log('text reports: lowest key-derivation cost')
  const lowest = await withCandour(ctx, (server) => post(ctx, server, ctx.sizes.textReportsLowCost), { env: { NODE_ENV: 'bench', CANDOUR_SCRYPT_COST: String(LOWEST_COST) } })
  const derivation = await scryptMs(PRODUCTION_COST)
  const cores = os.availableParallelism()
  // Each new reporter costs two derivations; no more than this many can finish a second on these cores.
  const ceiling = cores * 1000 / (2 * derivation)
  const figures: Figure[] = [
    { id: 'text.rps', label: `text reports, ${TEXT_CLIENTS} clients, scrypt N=2^15`, value: production.requestsPerSecond, unit: 'reports/s', target: '>= 200 reports/s', met: production.requestsPerSecond >= 200 },
    { id: 'text.p50', label: 'text report p50', value: production.p50Ms, unit: 'ms' },
    { id: 'text.p99', label: 'text report p99', value: production.p99Ms, unit: 'ms' },
    { id: 'text.cpu', label: 'server CPU per text report, scrypt N=2^15', value: production.cpuPerReport * 1000, unit: 'ms' },
    { id: 'text.scrypt.ms', label: 'one scrypt derivation, N=2^15', value: derivation, unit: 'ms' },
    { id: 'text.scrypt.ceiling', label: `scrypt ceiling (${cores} cores / 2 derivations)`, value: ceiling, unit: 'reports/s' },
    { id: 'text.lowCost.rps', label: 'text reports, scrypt N=2^10 (not allowed in production)', value: lowest.requestsPerSecond, unit: 'reports/s', target: '>= 200 reports/s', met: lowest.requestsPerSecond >= 200 },
    { id: 'text.lowCost.p99', label: 'text report p99, scrypt N=2^10', value: lowest.p99Ms, unit: 'ms' },
    { id: 'text.lowCost.cpu', label: 'server CPU per text report, scrypt N=2^10', value: lowest.cpuPerReport * 1000, unit: 'ms' },
  ]
  return { id: '3-text', title: 'Text reports', figures, notes: [`${TEXT_CLIENTS} connections, ${ctx.sizes.textReports} reports (${ctx.sizes.textReportsLowCost} at the lowest cost) after a warm-up of ${TEXT_CLIENTS}; every report is a new reporter`] }
}
