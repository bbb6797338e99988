/**
 * Scenario 5: a store filled with reports over every force (scripts/bench/fill-store.ts),
 * then the server started on it (spawn to "listening" line), a reviewer of the
 * busiest force made with the command line and logged in with password and TOTP,
 * and the first inbox page and a report page each requested many times.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { generateSync } from 'otplib'
import type { BenchContext } from '../context.js'
import { withCandour } from '../context.js'
import { FORCES } from '../../../src/domain/forces.js'
import { BUSIEST_FORCE, fillStore } from '../fill-store.js'
import { postForm } from '../http.js'
import { load, type LoadResult } from '../load.js'
import type { Figure, ScenarioResult } from '../results.js'
import { ROOT } from '../server.js'

const run = promisify(execFile)

async function diskBytes (dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size
  }
  return total
}

async function addReviewer (dataDir: string, force: string): Promise<{ username: string; password: string; totpSecret: string }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'reviewer', 'add', '--name', 'bench-reviewer', '--force', force, '--json'], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir } })
  return JSON.parse(stdout) as { username: string; password: string; totpSecret: string }
}

/** Runs scenario 5. */
export async function scaleScenario (ctx: BenchContext): Promise<ScenarioResult> {
  const reports = ctx.sizes.storeReports
  const dataDir = await mkdtemp(path.join(ctx.workDir, 'scale-'))
  ctx.log(`scale: writing ${reports} reports`)
  const filled = await fillStore(dataDir, reports, (n) => { if (n % 100_000 === 0) ctx.log(`scale: ${n} reports written`) })
  const storeBytes = await diskBytes(path.join(dataDir, 'store'))
  const reviewer = await addReviewer(dataDir, BUSIEST_FORCE)
  ctx.log('scale: starting the server on the filled store')
  const measured = await withCandour(ctx, async (server) => {
    const workspace = server.reviewUrl
    if (workspace === undefined) throw new Error('the server named no workspace listener')
    const login = await postForm(workspace, '/review/login', {
      username: reviewer.username,
      password: reviewer.password,
      code: generateSync({ secret: reviewer.totpSecret, epoch: Math.floor(Date.now() / 1000) }),
    })
    if (login.status !== 303 || login.cookie === undefined) throw new Error(`reviewer login answered ${login.status}`)
    const headers = { Cookie: login.cookie }
    const inbox = new URL('/review/', workspace).href
    const report = new URL(`/review/report/${filled.sampleIds[0]!}`, workspace).href
    // The pages must show what they are measured for: rows in the inbox, the report on its page.
    const inboxHtml = await (await fetch(inbox, { headers })).text()
    if (!inboxHtml.includes('/review/report/')) throw new Error('the inbox lists no report')
    const reportResponse = await fetch(report, { headers })
    if (reportResponse.status !== 200) throw new Error(`the report page answered ${reportResponse.status}`)
    const measure = async (url: string): Promise<LoadResult> => {
      await load({ url, connections: 1, amount: Math.max(10, ctx.sizes.scaleRequests / 10), headers })
      const result = await load({ url, connections: 1, amount: ctx.sizes.scaleRequests, headers })
      if (result.failures > 0) throw new Error(`${result.failures} failed requests to ${url}`)
      return result
    }
    ctx.log('scale: first inbox page')
    const inboxResult = await measure(inbox)
    ctx.log('scale: report page')
    const reportResult = await measure(report)
    return { startMs: server.startMs, inboxResult, reportResult }
  }, { dataDir, env: { CANDOUR_RETAIN_CLOSED_DAYS: '36500' } }) // the generator's closed reports stay while the pages are measured
  const figures: Figure[] = [
    { id: 'scale.fill.rate', label: `store generator, ${reports} reports`, value: reports / filled.seconds, unit: 'reports/s' },
    { id: 'scale.startup', label: `start-up with ${reports} reports (spawn to listening)`, value: measured.startMs, unit: 'ms', target: '< 2000 ms', met: measured.startMs < 2000 },
    { id: 'scale.inbox.p50', label: 'first inbox page p50', value: measured.inboxResult.p50Ms, unit: 'ms' },
    { id: 'scale.inbox.p99', label: 'first inbox page p99', value: measured.inboxResult.p99Ms, unit: 'ms', target: '< 20 ms', met: measured.inboxResult.p99Ms < 20 },
    { id: 'scale.report.p50', label: 'report page p50', value: measured.reportResult.p50Ms, unit: 'ms' },
    { id: 'scale.report.p99', label: 'report page p99', value: measured.reportResult.p99Ms, unit: 'ms', target: '< 20 ms', met: measured.reportResult.p99Ms < 20 },
    { id: 'scale.store.perReport', label: 'store size on disk per report', value: storeBytes / reports, unit: 'bytes' },
    { id: 'scale.store.total', label: 'store size on disk', value: storeBytes / 2 ** 20, unit: 'MiB' },
  ]
  return {
    id: '5-scale',
    title: 'Scale',
    figures,
    notes: [`${reports} reports over ${FORCES.length} forces, a fifth to ${BUSIEST_FORCE}; each page requested ${ctx.sizes.scaleRequests} times by one logged-in reviewer after a warm-up`],
  }
}
