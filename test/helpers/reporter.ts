/** A returning reporter over real HTTP: log in with the codename, read pages, post forms. */

/** A logged-in reporter's cookie and CSRF token. */
export interface ReporterVisit {
  readonly cookie: string
  readonly csrf: string
}

/** Posts the login form; resolves with the raw response. */
export function postLogin (baseUrl: string, codename: string): Promise<Response> {
  return fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', Origin: baseUrl },
    body: new URLSearchParams({ codename }),
  })
}

/** Logs in and reads the CSRF token from the reports page. */
export async function login (baseUrl: string, codename: string): Promise<ReporterVisit> {
  const response = await postLogin(baseUrl, codename)
  if (response.status !== 303) throw new Error(`login answered ${response.status}`)
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!
  const page = await (await fetch(`${baseUrl}/reports`, { headers: { Cookie: cookie } })).text()
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1]
  if (csrf === undefined) throw new Error('no csrf token on the reports page')
  return { cookie, csrf }
}

/** GETs a page as the reporter. */
export async function getAs (baseUrl: string, visit: Pick<ReporterVisit, 'cookie'>, path: string): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { headers: { Cookie: visit.cookie }, redirect: 'manual' })
}

/** POSTs an urlencoded form as the reporter. */
export async function postFormAs (baseUrl: string, visit: Pick<ReporterVisit, 'cookie'>, path: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', Origin: baseUrl, Cookie: visit.cookie },
    body: new URLSearchParams(fields),
  })
}

/** POSTs a multipart form (fields in the order given, then files) as the reporter. */
export async function postMultipartAs (baseUrl: string, visit: Pick<ReporterVisit, 'cookie'>, path: string, fields: Array<[string, string]>, files: Array<{ name: string; content: Uint8Array }> = []): Promise<Response> {
  const form = new FormData()
  for (const [name, value] of fields) form.append(name, value)
  for (const file of files) form.append('attachments', new Blob([file.content as Uint8Array<ArrayBuffer>]), file.name)
  return fetch(`${baseUrl}${path}`, { method: 'POST', body: form, redirect: 'manual', headers: { Origin: baseUrl, Cookie: visit.cookie } })
}
