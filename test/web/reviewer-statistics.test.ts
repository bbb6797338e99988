/**
 * The workspace's statistics page (issue 12, items 5 and 6), over real HTTP
 * with the service's clock injected: a reviewer sees their own force's counts
 * unsuppressed, the current month included, and never another force's or the
 * nation's; an administrator sees the national figures and any force's; a
 * call handler has no such page; the page and `candour stats` show the same
 * figures, and both are audited through the one use case.
 */
import test from 'ava'
import { connectControl } from '../../src/store/control.js'
import { addCallHandler, loginCallHandler } from '../helpers/call-handler.js'
import { addReviewer, auditLogOf, candour, getAsReviewer, loginReviewer } from '../helpers/reviewer.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { writeEvents } from '../helpers/statistics.js'

// Mid-May 2026: the financial year so far is April and May, and May is not over.
const NOW = new Date('2026-05-14T10:00:00Z')

let service: TestService
test.before(async () => { service = await startTestService({}, { now: () => NOW }) })
test.after.always(async () => { await service?.dispose() })

/** The page's figures for one column, measure -> number. */
function column (html: string, id: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const row of html.matchAll(/<tr class="govuk-table__row" data-measure="([a-z-]+)">([\s\S]*?)<\/tr>/g)) {
    const cell = new RegExp(`data-column="${id}">(\\d+)<`).exec(row[2]!)
    if (cell !== null) out.set(row[1]!, Number(cell[1]))
  }
  return out
}

test.serial('a reviewer sees their own force unsuppressed with the current month; an administrator the nation and any force; the CLI agrees; all audited', async (t) => {
  await writeEvents(service.dataDir, [
    { e: 'received', m: '2026-04', f: 'kent', ch: 'phone', c: 'bribery', u: false },
    { e: 'received', m: '2026-05', f: 'kent', ch: 'online', c: 'bribery', u: true },
    { e: 'received', m: '2026-05', f: 'kent', ch: 'online', c: 'other', u: false },
    { e: 'closed', m: '2026-05', f: 'kent', o: 'safeguarding' },
    { e: 'received', m: '2026-05', f: 'met', ch: 'online', c: 'other', u: false },
  ])
  const base = service.reviewUrl
  const kent = await loginReviewer(base, await addReviewer(service.dataDir, 'stats-kent', 'kent'))
  // With no range asked for: the financial year so far, the current (unfinished) month included.
  const page = await getAsReviewer(base, kent, '/review/statistics')
  t.is(page.status, 200)
  const html = await page.text()
  t.regex(html, /Kent Police<\/span>Statistics/)
  t.regex(html, /href="\/review\/statistics"/, 'the header links to the page')
  t.regex(html, /id="from"[^>]*value="2026-04"/)
  t.regex(html, /id="to"[^>]*value="2026-05"/)
  const may = column(html, '2026-05')
  t.is(may.get('received'), 2, 'a small number, shown as it is to the force')
  t.is(may.get('received-urgent'), 1)
  t.is(may.get('closed-safeguarding'), 1)
  t.is(column(html, '2026-04').get('received-phone'), 1)
  t.is(column(html, 'total').get('received'), 3)
  t.is(column(html, '2026-Q1').get('received'), undefined, 'a quarter not wholly inside the range has no column')

  // Another force's figures or the nation's: the same answer as for another force's report.
  t.is((await getAsReviewer(base, kent, '/review/statistics?area=met')).status, 404)
  t.is((await getAsReviewer(base, kent, '/review/statistics?area=national')).status, 404)
  t.is((await getAsReviewer(base, kent, '/review/statistics?area=kent')).status, 200)
  // Bad months, a range running backwards or into a month not yet begun: a clear 400 in the workspace's style.
  for (const query of ['from=2026-13', 'from=2026-05&to=2026-04', 'to=2026-06', 'from=2016-01&to=2026-05', 'from=2026-04&from=2026-05']) {
    const bad = await getAsReviewer(base, kent, `/review/statistics?${query}`)
    t.is(bad.status, 400, query)
    t.regex(await bad.text(), /govuk-heading/, query)
  }
  // Without a session: the login page. On the reporter listener: nothing.
  t.is((await fetch(`${base}/review/statistics`, { redirect: 'manual' })).status, 303)
  t.is((await fetch(`${service.url}/review/statistics`, { redirect: 'manual' })).status, 404)

  const admin = await loginReviewer(base, await addReviewer(service.dataDir, 'stats-admin', null))
  const national = column(await (await getAsReviewer(base, admin, '/review/statistics?from=2026-05&to=2026-05')).text(), '2026-05')
  t.is(national.get('received'), 3)
  const met = column(await (await getAsReviewer(base, admin, '/review/statistics?from=2026-05&to=2026-05&area=met')).text(), '2026-05')
  t.is(met.get('received'), 1)
  t.is((await getAsReviewer(base, admin, '/review/statistics?area=atlantis')).status, 400)

  // A call handler has no statistics page.
  const handler = await loginCallHandler(base, await addCallHandler(service.dataDir, 'stats-handler'))
  t.is((await getAsReviewer(base, handler, '/review/statistics')).status, 404)

  // The operator's command line: the same figures, from the same use case.
  const { stdout } = await candour(['stats', '--from', '2026-04', '--to', '2026-05', '--force', 'kent', '--json'], service.dataDir)
  const cli = JSON.parse(stdout) as { figures: Record<string, Record<string, number>> }
  for (const [measure, value] of may) t.is(cli.figures['2026-05']![measure], value, measure)
  t.is(cli.figures.total!.received, 3)

  const auditPage = await getAsReviewer(base, admin, '/review/audit')
  t.is(auditPage.status, 200, 'the audit log shows statistics entries')
  t.regex(await auditPage.text(), /Viewed unsuppressed statistics/)

  const kv = await connectControl(service.dataDir)
  try {
    const audit = (await auditLogOf(kv)).filter((entry) => entry.action === 'statistics').map((entry) => [entry.actor, entry.detail])
    t.deepEqual(audit, [['stats-kent', 'kent'], ['stats-kent', 'kent'], ['stats-admin', 'national'], ['stats-admin', 'met'], ['cli', 'kent']])
  } finally {
    await kv.close()
  }
})
