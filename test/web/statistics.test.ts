/**
 * The public statistics over HTTP (issue 12): the page, the CSV and the JSON
 * show the same figures; the current month never appears, and appears once
 * it has ended (the service's statistics clock is injected); bad choices get
 * the site's 404 page; the licence travels with the files.
 */
import test from 'ava'
import { startTestService, type TestService } from '../helpers/service.js'
import { sampleEvents, writeEvents } from '../helpers/statistics.js'

let service: TestService
let now = new Date('2026-11-17T10:00:00Z')

test.before(async () => {
  service = await startTestService({}, { now: () => now })
})
test.after.always(async () => { await service?.dispose() })

const get = (path: string): Promise<Response> => fetch(service.url + path)

interface JsonRow { period: string; period_type: string; force: string; measure: string; value: number | null; suppressed: boolean }

/** The figures a page's tables show, measure -> number or 'suppressed'. */
function pageFigures (html: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const match of html.matchAll(/<tr class="govuk-table__row" data-measure="([a-z-]+)">[\s\S]*?data-value="([^"]*)"/g)) out.set(match[1]!, match[2]!)
  return out
}

test.serial('before any month has ended the page says so, and the files hold no rows', async (t) => {
  const page = await get('/statistics')
  t.is(page.status, 200)
  t.regex(await page.text(), /id="no-statistics"/)
  const json = await (await get('/statistics.json')).json() as { rows: unknown[]; last_month: string }
  t.deepEqual(json.rows, [])
  t.is(json.last_month, '2026-10')
  t.is(await (await get('/statistics.csv')).text(), 'period_type,period,period_start,period_end,force,force_name,measure,value\r\n')
})

test.serial('page, CSV and JSON agree; the current month appears only once it has ended', async (t) => {
  await writeEvents(service.dataDir, sampleEvents('2026-11', 22))
  // The published figures change with the date (or a rebuild), never in the middle of a month.
  now = new Date('2026-11-18T10:00:00Z')

  const jsonResponse = await get('/statistics.json')
  t.is(jsonResponse.headers.get('content-type'), 'application/json; charset=utf-8')
  t.regex(jsonResponse.headers.get('link') ?? '', /^<https:\/\/www\.nationalarchives\.gov\.uk\/doc\/open-government-licence\/version\/3\/>; rel="license"$/)
  const json = await jsonResponse.json() as { licence: { name: string }; last_month: string; rows: JsonRow[] }
  t.is(json.licence.name, 'Open Government Licence v3.0')
  t.is(json.last_month, '2026-10')
  t.false(json.rows.some((row) => row.period === '2026-11' || row.period === '2026-27-q3'), 'no current month, no unfinished quarter')
  t.true(json.rows.some((row) => row.period === '2025-26' && row.period_type === 'financial-year'))
  t.false(json.rows.some((row) => row.period === '2026-27'), 'no unfinished financial year')

  const csvResponse = await get('/statistics.csv')
  t.is(csvResponse.headers.get('content-type'), 'text/csv; charset=utf-8; header=present')
  t.is(csvResponse.headers.get('link'), jsonResponse.headers.get('link'))
  const csv = (await csvResponse.text()).split('\r\n').slice(1, -1)
  t.is(csv.length, json.rows.length)
  csv.forEach((line, i) => {
    const row = json.rows[i]!
    const fields = line.split(',')
    t.deepEqual([fields[1], fields[4], fields[6], fields[7]], [row.period, row.force, row.measure, row.suppressed ? '<5' : String(row.value)])
  })

  // The page shows the JSON's figures, for the nation and for a force, for a year and a month.
  for (const [area, period] of [['national', '2025-26'], ['kent', '2026-10'], ['met', '2026-27-q2'], ['essex', '2026-10']] as const) {
    const response = await get(`/statistics?area=${area}&period=${period}`)
    t.is(response.status, 200)
    const figures = pageFigures(await response.text())
    t.is(figures.size, 20)
    for (const [measure, shown] of figures) {
      const row = json.rows.find((r) => r.period === period && r.force === area && r.measure === measure)!
      t.is(shown, row.suppressed ? 'suppressed' : String(row.value), `${area} ${period} ${measure}`)
    }
  }
  // The one small essex month is suppressed everywhere it would show.
  const essex = json.rows.find((r) => r.period === '2026-10' && r.force === 'essex' && r.measure === 'received')!
  t.true(essex.suppressed)
  t.is(essex.value, null)
  t.regex(await (await get('/statistics?area=essex&period=2026-10')).text(), /fewer than 5/)

  // Default: the latest financial year, for all forces.
  const defaultPage = await (await get('/statistics')).text()
  t.regex(defaultPage, /<option value="2025-26" selected>/)
  t.regex(defaultPage, /Financial year April 2025 to March 2026/)

  // The current month: not found, until it has ended.
  t.is((await get('/statistics?period=2026-11')).status, 404)
  now = new Date('2026-12-01T00:00:00Z')
  t.is((await get('/statistics?period=2026-11')).status, 200)
  const later = await (await get('/statistics.json')).json() as { last_month: string; rows: JsonRow[] }
  t.is(later.last_month, '2026-11')
  t.true(later.rows.some((row) => row.period === '2026-11'))
  t.false(later.rows.some((row) => row.period === '2026-12'))
})

test.serial('bad choices get the 404 page; spellings of the path are not the page', async (t) => {
  for (const path of ['/statistics?area=nowhere', '/statistics?period=2026-13', '/statistics?period=2031-32', '/statistics?area=kent&area=met', '/statistics?period=', '/Statistics', '/statistics/', '/STATISTICS.csv']) {
    const response = await get(path)
    t.is(response.status, 404, path)
    t.regex(response.headers.get('content-type') ?? '', /^text\/html/, path)
  }
  t.is((await fetch(service.url + '/statistics', { method: 'POST' })).status, 405)
})

test.serial('the landing page links to the statistics', async (t) => {
  const landing = await (await get('/')).text()
  t.regex(landing, /<a class="govuk-link" href="\/statistics" id="statistics-link">/)
})
