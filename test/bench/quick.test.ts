/**
 * The benchmark harness as a smoke check: `npm run bench -- --quick` runs every
 * scenario against real servers in child processes and produces every figure.
 * It asserts that the harness works, never how fast anything is.
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { WALK_PAGES } from '../../scripts/bench/page-walk.js'
import type { RunResult } from '../../scripts/bench/results.js'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '../..')

// Every figure of a quick run, by scenario (the upload sizes are the quick ones, 4 and 16 MiB).
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  '1-upload': ['upload.4MiB.throughput', 'upload.4MiB.peakRss', 'upload.16MiB.throughput', 'upload.16MiB.peakRss', 'upload.peakRss.growth',
    'upload.cpu.server', 'upload.cpu.client', 'upload.written', 'upload.stage.encrypt', 'upload.stage.encrypt.cpu', 'upload.stage.storeOnly', 'upload.stage.storeOnly.cpu', 'upload.stage.store', 'upload.stage.store.cpu',
    'upload.stage.fileOnly.cpu', 'upload.bound.level', 'upload.bound.file'],
  '2-pages': ['pages.koa.rps', 'pages.koa.p99', 'pages.landing.rps', 'pages.landing.p99', 'pages.form.rps', 'pages.form.p99'],
  '3-text': ['text.rps', 'text.p50', 'text.p99', 'text.cpu', 'text.reserve.fill', 'text.sustained.rps', 'text.sustained.p99', 'text.sustained.cpu', 'text.scrypt.ms', 'text.scrypt.ceiling'],
  '4-logins': ['logins.rps', 'logins.p50', 'logins.p99', 'logins.page.rest.p99', 'logins.page.rps', 'logins.page.p99'],
  '5-scale': ['scale.fill.rate', 'scale.startup', 'scale.inbox.p50', 'scale.inbox.p99', 'scale.report.p50', 'scale.report.p99', 'scale.store.perReport', 'scale.store.total'],
  '6-concurrency': ['concurrency.accepted', 'concurrency.stored', 'concurrency.seconds', 'concurrency.throughput', 'concurrency.peakRss'],
  '7-tor': ['tor.stored', 'tor.seconds', 'tor.peakRss', 'tor.page.rest.p99', 'tor.page.p99'],
  '8-weight': WALK_PAGES.flatMap((page) => [`weight.${page}.html`, `weight.${page}.total`]),
  '9-backup': ['backup.4MiB.throughput', 'backup.4MiB.cliPeakRss', 'backup.4MiB.serverAnonPeak'],
  '10-statistics': ['statistics.fill.reports', 'statistics.fill.seconds', 'statistics.empty.p99', 'statistics.filled.p50', 'statistics.filled.p99', 'statistics.force.empty.p99', 'statistics.force.filled.p99'],
}

// Figures that carry a reference measured in the same run, and so a ratio.
const WITH_RATIO = ['backup.4MiB.cliPeakRss', 'backup.4MiB.serverAnonPeak', 'upload.16MiB.throughput', 'pages.landing.rps', 'pages.form.rps', 'logins.page.rps', 'tor.page.p99', 'upload.stage.encrypt', 'upload.stage.store', 'upload.bound.level', 'upload.bound.file']

test('npm run bench -- --quick runs every scenario and produces every figure', async (t) => {
  // About half a minute alone; more while other test files load the same two cores.
  t.timeout(330_000)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-bench-test-'))
  try {
    const out = path.join(dir, 'results.json')
    const { stdout } = await run('npm', ['run', '--silent', 'bench', '--', '--quick', '--out', out], { cwd: root, maxBuffer: 16 * 1024 * 1024, timeout: 320_000 })
    const result = JSON.parse(await readFile(out, 'utf8')) as RunResult
    t.true(result.quick)
    t.is(typeof result.machine.cpuModel, 'string')
    t.true(Number(result.machine.cpus) >= 1)
    t.deepEqual(result.scenarios.map((s) => s.id), Object.keys(EXPECTED))
    for (const scenario of result.scenarios) {
      const ids = scenario.figures.map((f) => f.id)
      t.deepEqual(ids, EXPECTED[scenario.id], `figures of ${scenario.id}`)
      for (const figure of scenario.figures) {
        t.true(Number.isFinite(figure.value) && figure.value >= 0, `${figure.id} is a number`)
        if (figure.target !== undefined) t.is(typeof figure.met, 'boolean', `${figure.id} says whether its target is met`)
        if (figure.reference !== undefined) t.true(Number.isFinite(figure.reference.value) && figure.reference.value > 0, `${figure.id} has its reference`)
        if (WITH_RATIO.includes(figure.id)) t.true(Number.isFinite(figure.ratio) && figure.ratio! > 0, `${figure.id} has its ratio`)
      }
      // The printed table has a row for each figure.
      for (const figure of scenario.figures) t.true(stdout.includes(figure.label), `table row for ${figure.id}`)
    }
    // Nothing but correctness is asserted: every upload of the concurrency scenario stored, none pending.
    const concurrency = result.scenarios.find((s) => s.id === '6-concurrency')!
    t.true(concurrency.figures.find((f) => f.id === 'concurrency.stored')!.met)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
