/**
 * Anonymous load over real HTTP (issue 9): codename derivations wait in two
 * bounded queues, logins before new reporters, and a full queue answers 503
 * in the site's style (a busy page for a login, the report form with its text
 * kept for a report) with nothing half-stored. The slots are held
 * by the test itself, so every step waits on the service's state, never on time.
 */
import test from 'ava'
import { connectControl } from '../../src/store/control.js'
import { translate } from '../../src/web/i18n.js'
import { assetPath } from '../../src/web/static-files.js'
import { snapshot } from '../helpers/reports.js'
import { postLogin } from '../helpers/reporter.js'
import { startTestService } from '../helpers/service.js'
import { postReport, submitReport } from '../helpers/submit.js'

const say = (key: string): string => translate('en', key)
const REPORT = { force: 'met', category: 'bribery', message: 'QUEUED-REPORT', anonymity: 'anonymous' }
const FILE = [{ name: 'evidence.txt', content: Buffer.from('attached evidence\n') }]

async function until (condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5))
}

test('a full login queue or new-reporter queue answers a busy page, stores nothing, and logins are served first', async (t) => {
  const service = await startTestService({ CANDOUR_CODENAME_RESERVE: '0' }, { derivations: { concurrency: 1, maxWaitingLogins: 1, maxWaitingNewReporters: 1 } })
  t.teardown(() => service.dispose())
  const kv = await connectControl(service.dataDir)
  t.teardown(() => kv.close())
  const codename = await submitReport(service.url, { ...REPORT, message: 'FIRST' })

  // The one slot is held, so everything after this waits in its queue.
  let open!: () => void
  const holding = service.derivations.run('login', () => new Promise<void>((resolve) => { open = resolve }))
  await until(() => service.derivations.load.running === 1)

  const waitingReport = postReport(service.url, REPORT, FILE)
  await until(() => service.derivations.load.waiting['new-reporter'] === 1)
  const waitingLogin = postLogin(service.url, codename)
  await until(() => service.derivations.load.waiting.login === 1)

  const before = await snapshot(kv)
  const busyLogin = await postLogin(service.url, 'abacus abdomen abdominal abide abiding ability ablaze')
  t.is(busyLogin.status, 503)
  t.is(busyLogin.headers.get('retry-after'), '60')
  t.is(busyLogin.headers.get('set-cookie'), null)
  const loginPage = await busyLogin.text()
  t.true(loginPage.includes(say('errors.page.busy.title')))
  t.true(loginPage.includes(say('errors.page.busy.body')))
  t.true(loginPage.includes(`<link rel="stylesheet" href="${assetPath('reporter.css')}">`), 'in the site\'s own style')

  const busyReport = await postReport(service.url, { ...REPORT, message: 'REFUSED-REPORT' }, FILE)
  t.is(busyReport.status, 503)
  // A report is not refused with the bare busy page: its form comes back with the text kept (files are not read).
  const reportPage = await busyReport.text()
  t.true(reportPage.includes(say('report.busy.title')))
  t.true(reportPage.includes('REFUSED-REPORT'), 'the typed text is handed back')
  t.deepEqual(await snapshot(kv), before, 'the refused report left nothing behind')

  // The slot is freed: the login goes first though the report waited longer.
  const started = service.derivations.load.started
  open()
  await holding
  t.is(service.derivations.load.started.login, started.login + 1)
  t.is(service.derivations.load.started['new-reporter'], started['new-reporter'])
  t.is(service.derivations.load.waiting['new-reporter'], 1)

  const loggedIn = await waitingLogin
  t.is(loggedIn.status, 303)
  t.is(loggedIn.headers.get('location'), '/reports')
  const reported = await waitingReport
  t.is(reported.status, 303)
  t.is(service.derivations.load.running, 0)
  // The server kept serving throughout.
  t.is((await fetch(service.url + '/')).status, 200)
})
