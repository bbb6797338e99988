/**
 * Every page a reporter can meet, fetched over real HTTP as a first visit
 * (nothing cached) with Tor Browser's Accept-Encoding, and the bytes each one
 * costs on the wire: its HTML, plus every stylesheet it links. Used by the
 * page-weight test (the budget of issue 13) and by the benchmark's weight
 * scenario, which reports both figures for every page.
 */
import http from 'node:http'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'

/** What Tor Browser (Firefox ESR) sends. */
export const TOR_BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br'

/** One response as it crossed the wire. */
export interface WireResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  /** Bytes of the body as sent (compressed when Content-Encoding says so). */
  readonly wireBytes: number
  /** The body as sent, undecoded. */
  readonly body: Buffer
}

/** One request over node:http, so the byte count is the body on the wire, not a decoded copy. */
export function wireRequest (url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time (agent: false): a kept-alive socket the server has just closed
    // after its idle timeout would fail the request on a slow machine.
    const req = http.request(url, { agent: false, method: options.method ?? 'GET', headers: { 'Accept-Encoding': TOR_BROWSER_ACCEPT_ENCODING, ...options.headers } }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (chunk: Buffer) => parts.push(chunk))
      res.on('end', () => {
        const body = Buffer.concat(parts)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, wireBytes: body.length, body })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** One page of the walk: where it is, its HTML as received, and what it cost. */
export interface WalkedPage {
  /** Stable name, used in figure ids (`landing`, `form`, …). */
  readonly name: string
  readonly path: string
  readonly status: number
  /** The HTML (pages are sent uncompressed unless noted in wire bytes). */
  readonly html: string
  /** HTML bytes on the wire. */
  readonly htmlBytes: number
  /** HTML plus every linked stylesheet, on the wire, as a first visit costs. */
  readonly totalBytes: number
}

function cookieOf (res: WireResponse): string {
  const set = res.headers['set-cookie']
  return set === undefined || set.length === 0 ? '' : set[0]!.split(';')[0]!
}

function decode (res: WireResponse): string {
  // A page kept compressed by the page cache (landing and empty form, in production) is decoded for reading only.
  const encoding = res.headers['content-encoding']
  if (encoding === undefined) return res.body.toString('utf8')
  if (encoding === 'gzip') return gunzipSync(res.body).toString('utf8')
  if (encoding === 'br') return brotliDecompressSync(res.body).toString('utf8')
  throw new Error(`unexpected Content-Encoding ${String(encoding)}`)
}

function multipart (fields: ReadonlyArray<readonly [string, string]>): { body: Buffer; type: string } {
  const boundary = 'CandourPageWalkBoundary'
  const parts = fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
  return { body: Buffer.from(parts.join('') + `--${boundary}--\r\n`, 'utf8'), type: `multipart/form-data; boundary=${boundary}` }
}

function urlencoded (fields: Record<string, string>): { body: Buffer; type: string } {
  return { body: Buffer.from(new URLSearchParams(fields).toString(), 'utf8'), type: 'application/x-www-form-urlencoded' }
}

/** What to walk. */
export interface WalkOptions {
  /** Language prefix of every path ('' or '/cy'). */
  readonly prefix?: string
  /** A force whose unit has a usable key. */
  readonly force?: string
}

/** Public pages that need no state, by walk name → path without the language prefix. */
export const PUBLIC_PAGES: Readonly<Record<string, string>> = Object.freeze({
  'guidance-staying-safe': '/guidance/staying-safe',
  'guidance-files': '/guidance/files',
  'guidance-what-happens': '/guidance/what-happens',
  statistics: '/statistics',
})

/** The names of the walk's pages, in the order walkReporterPages returns them. */
export const WALK_PAGES: readonly string[] = Object.freeze([
  'landing', 'form', 'form-errors', 'codename', 'login', 'login-errors', 'reports', 'further',
  'form-logged-in', 'report-added', 'logged-out', 'not-found', ...Object.keys(PUBLIC_PAGES),
])

/** The report a walk sends: short, anonymous, to the given force. */
function reportFields (force: string): Array<[string, string]> {
  return [['force', force], ['category', 'other'], ['message', 'A page-weight walk.'], ['anonymity', 'anonymous'], ['at-risk', 'no']]
}

/**
 * Walks every reporter page: the landing page, the form, the form with errors,
 * the codename page, the login page, the reports page, the further-information
 * page, the page after another report under the same codename, the logged-out
 * page, the 404 page, and the public pages. Sends two reports.
 */
export async function walkReporterPages (baseUrl: string, options: WalkOptions = {}): Promise<WalkedPage[]> {
  const prefix = options.prefix ?? ''
  const force = options.force ?? 'kent'
  const origin = new URL(baseUrl).origin
  const stylesheetCost = new Map<string, number>()
  const pages: WalkedPage[] = []

  const cssCost = async (html: string): Promise<number> => {
    let total = 0
    for (const match of html.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)) {
      const href = match[1]!
      let cost = stylesheetCost.get(href)
      if (cost === undefined) {
        const res = await wireRequest(new URL(href, baseUrl).href)
        if (res.status !== 200) throw new Error(`stylesheet ${href} answered ${res.status}`)
        cost = res.wireBytes
        stylesheetCost.set(href, cost)
      }
      total += cost
    }
    return total
  }

  const record = async (name: string, path: string, res: WireResponse): Promise<string> => {
    const html = decode(res)
    pages.push({ name, path, status: res.status, html, htmlBytes: res.wireBytes, totalBytes: res.wireBytes + await cssCost(html) })
    return html
  }

  const get = (path: string, cookie = ''): Promise<WireResponse> => wireRequest(`${baseUrl}${path}`, { headers: cookie === '' ? {} : { Cookie: cookie } })
  const post = (path: string, form: { body: Buffer; type: string }, cookie = ''): Promise<WireResponse> =>
    wireRequest(`${baseUrl}${path}`, { method: 'POST', body: form.body, headers: { 'Content-Type': form.type, Origin: origin, ...(cookie === '' ? {} : { Cookie: cookie }) } })

  await record('landing', `${prefix}/`, await get(`${prefix}/`))
  await record('form', `${prefix}/report`, await get(`${prefix}/report`))
  await record('form-errors', `${prefix}/report`, await post(`${prefix}/report`, multipart([['force', force]])))

  const sent = await post(`${prefix}/report`, multipart(reportFields(force)))
  if (sent.status !== 303) throw new Error(`report answered ${sent.status}`)
  const receiptPath = String(sent.headers.location)
  const codenamePage = await record('codename', receiptPath, await get(receiptPath, cookieOf(sent)))
  const codename = /id="codename"[^>]*>\s*([a-z -]+?)\s*</.exec(codenamePage)?.[1]
  if (codename === undefined) throw new Error('no codename on the codename page')

  await record('login', `${prefix}/login`, await get(`${prefix}/login`))
  await record('login-errors', `${prefix}/login`, await post(`${prefix}/login`, urlencoded({ codename: '' })))
  const loggedIn = await post(`${prefix}/login`, urlencoded({ codename }))
  if (loggedIn.status !== 303) throw new Error(`login answered ${loggedIn.status}`)
  const cookie = cookieOf(loggedIn)
  const reportsPath = String(loggedIn.headers.location)
  const reports = await record('reports', reportsPath, await get(reportsPath, cookie))
  const csrf = /name="csrf" value="([^"]+)"/.exec(reports)?.[1] ?? ''
  const furtherPath = /href="([^"]*\/further\?report=[^"]+)"/.exec(reports)?.[1]?.replace(/&amp;/g, '&')
  if (furtherPath === undefined) throw new Error('no further-information link on the reports page')
  await record('further', furtherPath, await get(furtherPath, cookie))
  await record('form-logged-in', `${prefix}/report`, await get(`${prefix}/report`, cookie))
  await record('report-added', `${prefix}/report`, await post(`${prefix}/report`, multipart([['csrf', csrf], ...reportFields(force)]), cookie))
  await record('logged-out', `${prefix}/logout`, await post(`${prefix}/logout`, urlencoded({ csrf }), cookie))
  await record('not-found', `${prefix}/no-such-page`, await get(`${prefix}/no-such-page`))
  for (const [name, path] of Object.entries(PUBLIC_PAGES)) await record(name, `${prefix}${path}`, await get(`${prefix}${path}`))
  return pages
}
