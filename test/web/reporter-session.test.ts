/**
 * Reporter sessions over real HTTP (issue 9): an absolute lifetime of two
 * hours besides the idle one, and a reporter logged out while writing keeps
 * what the form can keep (the text comes back; the page says the files must be
 * chosen again) while nothing of that form is stored. The sessions' clock is
 * the test's.
 */
import test from 'ava'
import { connectControl } from '../../src/store/control.js'
import { translate } from '../../src/web/i18n.js'
import { snapshot } from '../helpers/reports.js'
import { getAs, login, postMultipartAs } from '../helpers/reporter.js'
import { startTestService } from '../helpers/service.js'
import { submitReport } from '../helpers/submit.js'
import { escapeHtml } from '../helpers/html.js'

const MINUTE = 60 * 1000
const FILE = [{ name: 'evidence.txt', content: Buffer.from('attached evidence\n') }]

const say = (key: string): string => escapeHtml(translate('en', key))

async function setUp (t: import('ava').ExecutionContext): Promise<{ url: string; advance: (ms: number) => void; codename: string; kv: Awaited<ReturnType<typeof connectControl>> }> {
  let now = 0
  const service = await startTestService({}, { reporterSessionClock: () => now })
  t.teardown(() => service.dispose())
  const kv = await connectControl(service.dataDir)
  t.teardown(() => kv.close())
  const codename = await submitReport(service.url, { force: 'met', category: 'bribery', message: 'FIRST', anonymity: 'anonymous' })
  return { url: service.url, advance: (ms) => { now += ms }, codename, kv }
}

test('a busy session still ends two hours after login', async (t) => {
  const { url, advance, codename } = await setUp(t)
  const visit = await login(url, codename)
  // Active every 25 minutes, well inside the idle period, for 1 h 55 min.
  for (let i = 0; i < 4; i++) {
    advance(25 * MINUTE)
    t.is((await getAs(url, visit, '/reports')).status, 200)
  }
  advance(15 * MINUTE)
  t.is((await getAs(url, visit, '/reports')).status, 200)
  advance(6 * MINUTE)
  const ended = await getAs(url, visit, '/reports')
  t.is(ended.status, 303)
  t.is(ended.headers.get('location'), '/login?session=ended')
  // A new login starts a new lifetime.
  const again = await login(url, codename)
  t.is((await getAs(url, again, '/reports')).status, 200)
})

test('logged out while writing a report: the text answers come back, files are asked for again, nothing is stored', async (t) => {
  const { url, advance, codename, kv } = await setUp(t)
  const visit = await login(url, codename)
  const form = await (await getAs(url, visit, '/report')).text()
  t.true(form.includes(`name="csrf" value="${visit.csrf}"`))
  advance(2 * 60 * MINUTE)
  const before = await snapshot(kv)
  const answer = await postMultipartAs(url, visit, '/report', [['csrf', visit.csrf], ['force', 'met'], ['category', 'bribery'], ['message', 'WRITTEN <b>WHILE</b> LOGGED IN'], ['anonymity', 'anonymous']], FILE)
  t.is(answer.status, 400)
  const page = await answer.text()
  for (const key of ['report.sessionEnded.heading', 'report.sessionEnded.body', 'report.sessionEnded.files', 'report.sessionEnded.next']) t.true(page.includes(say(key)), key)
  t.true(page.includes('WRITTEN &lt;b&gt;WHILE&lt;/b&gt; LOGGED IN'), 'the message is echoed back, escaped')
  t.regex(page, /<option value="met" selected/)
  t.false(page.includes('name="csrf"'), 'the form is now an anonymous one')
  t.deepEqual(await snapshot(kv), before, 'nothing of that form was stored')
})

test('logged out while writing further information: the text comes back to copy, files are asked for again, nothing is stored', async (t) => {
  const { url, advance, codename, kv } = await setUp(t)
  const visit = await login(url, codename)
  const reportId = /further\?report=([0-9a-f]{24})/.exec(await (await getAs(url, visit, '/reports')).text())?.[1]
  t.truthy(reportId)
  advance(31 * MINUTE)
  const before = await snapshot(kv)
  const answer = await postMultipartAs(url, visit, '/further', [['csrf', visit.csrf], ['report', reportId!], ['message', 'MORE "DETAIL"\r\nON TWO LINES']], FILE)
  t.is(answer.status, 400)
  const page = await answer.text()
  for (const key of ['further.sessionEnded.title', 'further.sessionEnded.body', 'further.sessionEnded.files']) t.true(page.includes(say(key)), key)
  t.true(page.includes('MORE &quot;DETAIL&quot;\nON TWO LINES'), 'the message is echoed back, escaped')
  t.regex(page, /href="\/login"/)
  t.deepEqual(await snapshot(kv), before, 'nothing of that form was stored')
})
