/**
 * Codenames made ahead of time, over real HTTP: a reporter handed one from the
 * reserve and a reporter whose codename was made on the spot both come back
 * with it to their own report, and neither is written to the store
 * (test/web/submit.test.ts searches all of DATA_DIR for a reserved one).
 */
import test from 'ava'
import { getAs, login } from '../helpers/reporter.js'
import { startTestService } from '../helpers/service.js'
import { foundInStore } from '../helpers/store-files.js'
import { submitReport } from '../helpers/submit.js'

test('reserved and on-the-spot codenames both open their own reports, and none reaches the store', async (t) => {
  // No refill during the test: the reserve's counts below are then exact however slow the machine.
  const service = await startTestService({ CANDOUR_CODENAME_RESERVE: '2' }, { reserveQuietMs: 10 * 60_000 })
  t.teardown(() => service.dispose())
  t.is(service.codenameReserve.capacity, 2)
  while (service.codenameReserve.ready < 2) await new Promise((resolve) => setTimeout(resolve, 10))

  const reporters: Array<{ codename: string; message: string }> = []
  for (let i = 0; i < 3; i++) {
    const message = `reserve report number ${i}`
    const codename = await submitReport(service.url, { force: 'met', category: 'bribery', message, anonymity: 'anonymous' })
    reporters.push({ codename, message })
    // The third comes after the two reserved ones are gone: it is made on the spot.
    t.is(service.codenameReserve.ready, Math.max(0, 1 - i), i < 2 ? 'the reserve handed one out' : 'the reserve was empty')
  }
  t.is(new Set(reporters.map((r) => r.codename)).size, 3)
  const reportIds = new Set<string>()
  for (const { codename } of reporters) {
    const visit = await login(service.url, codename)
    const page = await (await getAs(service.url, visit, '/reports')).text()
    const ids = [...page.matchAll(/further\?report=([0-9a-f]{24})/g)].map((m) => m[1]!)
    t.is(new Set(ids).size, 1, 'each codename holds exactly one report')
    reportIds.add(ids[0]!)
  }
  t.is(reportIds.size, 3, 'each codename opens its own report')
  t.is(await foundInStore(service.dataDir, reporters.map((r) => Buffer.from(r.codename))), 0, 'no codename in the store')
})
