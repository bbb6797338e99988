/**
 * Issue 9, items 3 and 4 over real HTTP: every route of every router is
 * walked with other spellings of its path (upper case, mixed case, doubled or
 * trailing slash, percent-encoded letters, a dot segment), each sent with a
 * live reviewer's session; every one must get exactly the answer of a path
 * that does not exist, so no spelling reaches a handler at all. The path as
 * registered must answer differently, so the walk can fail. And the
 * reporters' listener answers every workspace path as missing while the
 * workspace listener serves it.
 */
import { assetPath } from '../../src/web/static-files.js'
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { addCallHandler, loginCallHandler } from '../helpers/call-handler.js'
import { addReviewer, loginReviewer, type ReviewerVisit } from '../helpers/reviewer.js'
import { rawRequest, spellings, type RawAnswer } from '../helpers/raw-http.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { postReport } from '../helpers/submit.js'

let service: TestService
let kent: ReviewerVisit
let admin: ReviewerVisit
let handler: ReviewerVisit
let reportId: string

test.before(async () => {
  service = await startTestService()
  const sent = await postReport(service.url, { force: 'kent', category: 'bribery', message: 'spelling walk', anonymity: 'anonymous' })
  if (sent.status !== 303) throw new Error(`report answered ${sent.status}`)
  kent = await loginReviewer(service.reviewUrl, await addReviewer(service.dataDir, 'kent-walker', 'kent'))
  admin = await loginReviewer(service.reviewUrl, await addReviewer(service.dataDir, 'admin-walker', null))
  handler = await loginCallHandler(service.reviewUrl, await addCallHandler(service.dataDir, 'handler-walker'))
  const inbox = await (await fetch(`${service.reviewUrl}/review/`, { headers: { Cookie: kent.cookie } })).text()
  reportId = /\/review\/report\/([0-9a-f]{24})/.exec(inbox)![1]!
})
test.after.always(async () => { await service?.dispose() })

// The path of a route with its parameters filled in, and which segments are literal.
function concrete (pattern: string): { path: string; fixed: (segment: number) => boolean } {
  const segments = pattern.split('/')
  return {
    // A static file's name is its hashed one (issue 13); every other parameter is a report id.
    path: pattern === '/static/:name' ? assetPath('reporter.css') : segments.map((s) => s.startsWith(':') ? reportId : s).join('/'),
    fixed: (index) => !(segments[index] ?? '').startsWith(':'),
  }
}

// The audit page exists for administrators only and the phone line for call handlers only (each answers
// others as missing); everything else is walked as a force's reviewer.
const cookieFor = (pattern: string): Record<string, string> => ({ Cookie: pattern === '/review/audit' ? admin.cookie : pattern.startsWith('/intake/') ? handler.cookie : kent.cookie })

const same = (a: RawAnswer, b: RawAnswer): boolean => a.status === b.status && a.body === b.body && a.location === b.location

for (const listener of ['reporter', 'workspace'] as const) {
  test(`${listener} listener: no other spelling of any route reaches a handler`, async (t) => {
    const base = listener === 'reporter' ? service.url : service.reviewUrl
    const routes = service.routes[listener]
    t.true(routes.length >= (listener === 'reporter' ? 10 : 10), 'every route is listed')
    let walked = 0
    for (const route of routes) {
      const { path, fixed } = concrete(route.path)
      const headers = cookieFor(route.path)
      for (const method of route.methods.filter((m) => m !== 'HEAD')) {
        const missing = await rawRequest(base, method, `/no-such-${randomBytes(4).toString('hex')}`, headers)
        t.is(missing.status, 404)
        const exact = await rawRequest(base, method, path, headers)
        t.false(same(exact, missing), `${method} ${path} as registered reaches its handler`)
        for (const spelling of spellings(path, fixed)) {
          const answer = await rawRequest(base, method, spelling, headers)
          t.true(same(answer, missing), `${method} ${spelling} answered ${answer.status} ${answer.location ?? ''}`)
          walked++
        }
      }
    }
    t.log(`${walked} spellings walked on the ${listener} listener`)
  })
}

test('the reporters\' listener answers every workspace path as missing; the workspace listener serves them', async (t) => {
  const missing = await rawRequest(service.url, 'GET', '/no-such-page', { Cookie: kent.cookie })
  const missingOnWorkspace = await rawRequest(service.reviewUrl, 'GET', '/no-such-page', { Cookie: kent.cookie })
  const reporterPaths = new Set(service.routes.reporter.map((route) => route.path))
  for (const route of service.routes.workspace) {
    if (reporterPaths.has(route.path)) continue
    const { path } = concrete(route.path)
    const headers = cookieFor(route.path)
    for (const method of route.methods.filter((m) => m !== 'HEAD')) {
      const onReporter = await rawRequest(service.url, method, path, headers)
      t.is(onReporter.status, 404, `${method} ${path} on the reporters' listener`)
      if (method === 'GET') t.is(onReporter.body, missing.body)
      // Served: not the page of a path that does not exist (the phone line's codename page, without its receipt, is a 404 of its own).
      const served = await rawRequest(service.reviewUrl, method, path, headers)
      t.false(served.status === 404 && served.body === missingOnWorkspace.body, `${method} ${path} on the workspace listener`)
    }
  }
  // And the other way round: the report form is not on the workspace listener.
  t.is((await rawRequest(service.reviewUrl, 'GET', '/report')).status, 404)
  t.is((await rawRequest(service.reviewUrl, 'GET', '/')).location, '/review/')
  t.not(new URL(service.url).port, new URL(service.reviewUrl).port)
})
