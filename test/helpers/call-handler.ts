/**
 * Call handlers for tests: made by the real command line, logged in over real
 * HTTP at the workspace's login page, taking reports and returning callers on
 * the phone intake pages.
 */
import { candour, cookieOf, postReviewerLogin, totpCode, type ReviewerCredentials, type ReviewerVisit } from './reviewer.js'

/** Creates a call handler with `reviewer add --call-handler --json`. */
export async function addCallHandler (dataDir: string, username: string): Promise<ReviewerCredentials> {
  const { stdout } = await candour(['reviewer', 'add', '--call-handler', '--name', username, '--json'], dataDir)
  return JSON.parse(stdout) as ReviewerCredentials
}

/** Logs a call handler in (code `steps` steps from now) and reads the CSRF token from the intake page. */
export async function loginCallHandler (baseUrl: string, credentials: ReviewerCredentials, steps = 0): Promise<ReviewerVisit> {
  const response = await postReviewerLogin(baseUrl, { username: credentials.username, password: credentials.password, code: totpCode(credentials.totpSecret, steps) })
  if (response.status !== 303 || response.headers.get('location') !== '/intake/') throw new Error(`call handler login answered ${response.status} ${response.headers.get('location')}`)
  const cookie = cookieOf(response)
  const html = await (await fetch(`${baseUrl}/intake/`, { headers: { Cookie: cookie }, redirect: 'manual' })).text()
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1]
  if (csrf === undefined) throw new Error('no csrf token on the intake page')
  return { cookie, csrf }
}

/** Posts the phone intake form (multipart, the token first); resolves with the raw response. */
export function postIntake (baseUrl: string, visit: ReviewerVisit, fields: Record<string, string>): Promise<Response> {
  const form = new FormData()
  form.append('csrf', visit.csrf)
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  return fetch(`${baseUrl}/intake/report`, { method: 'POST', body: form, redirect: 'manual', headers: { Origin: baseUrl, Cookie: visit.cookie } })
}

/** Takes a report by phone and reads the codename page once; resolves with the codename and the page. */
export async function takePhoneReport (baseUrl: string, visit: ReviewerVisit, fields: Record<string, string>): Promise<{ codename: string; page: string; receiptCookie: string }> {
  const response = await postIntake(baseUrl, visit, fields)
  if (response.status !== 303 || response.headers.get('location') !== '/intake/sent') throw new Error(`intake answered ${response.status}`)
  const receiptCookie = cookieOf(response)
  const page = await (await fetch(`${baseUrl}/intake/sent`, { headers: { Cookie: `${visit.cookie}; ${receiptCookie}` }, redirect: 'manual' })).text()
  const codename = /id="codename"[^>]*>\s*([a-z -]+?)\s*</.exec(page)?.[1]
  if (codename === undefined) throw new Error('no codename on the page')
  return { codename, page, receiptCookie }
}
