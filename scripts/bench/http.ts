/**
 * The harness's own HTTP client pieces: a multipart report body streamed from
 * a file on disk (never held in memory), posted with node:http, and small
 * form posts for setting up reporters.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import http from 'node:http'
import { once } from 'node:events'

/** Answers every benchmark report carries (a complete, valid anonymous report). */
export const REPORT_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  force: 'met',
  category: 'bribery',
  message: 'An officer at the front desk asked for money to lose a file. It happened twice last month, and a colleague saw the second time.',
  anonymity: 'anonymous',
  role: 'officer',
  duty: 'on',
  setting: 'in-person',
  'at-risk': 'no',
})

const BOUNDARY = '----candour-bench-7d1b3f2a9c'

function fieldPart (name: string, value: string): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
}

/** A multipart body of text fields only, as one buffer (for the text-report load). */
export function textReportBody (fields: Readonly<Record<string, string>> = REPORT_FIELDS): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const text = Object.entries(fields).map(([name, value]) => fieldPart(name, value)).join('') + `--${BOUNDARY}--\r\n`
  return { body: new TextEncoder().encode(text), contentType: `multipart/form-data; boundary=${BOUNDARY}` }
}

/** Writes `bytes` of random (incompressible) data to `file`, a chunk at a time. */
export async function writeRandomFile (file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file)
  const chunk = 4 * 1024 * 1024
  for (let written = 0; written < bytes; written += chunk) {
    if (!out.write(randomBytes(Math.min(chunk, bytes - written)))) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}

/** What a finished upload says. */
export interface UploadResult {
  readonly status: number
  readonly ms: number
}

/** Posts a report with one attachment streamed from `file` (its first `bytes` bytes); resolves when the server answers. */
export async function uploadReport (baseUrl: string, file: string, bytes: number, fields: Readonly<Record<string, string>> = REPORT_FIELDS): Promise<UploadResult> {
  const head = Buffer.from(
    Object.entries(fields).map(([name, value]) => fieldPart(name, value)).join('') +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; filename="evidence.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    'utf8')
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`, 'utf8')
  const url = new URL('/report', baseUrl)
  const started = performance.now()
  return new Promise<UploadResult>((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
        'Content-Length': String(head.byteLength + bytes + tail.byteLength),
        Origin: url.origin,
      },
    }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.write(head)
    const body = createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1024 * 1024 })
    body.on('error', reject)
    body.pipe(req, { end: false })
    body.on('end', () => req.end(tail))
  })
}

/**
 * Posts a report with one attachment of `content`, sent at `bytesPerSecond` in
 * pieces five times a second, as a Tor circuit delivers it; resolves when the
 * server answers.
 */
export async function trickleReport (baseUrl: string, content: Uint8Array, bytesPerSecond: number, fields: Readonly<Record<string, string>> = REPORT_FIELDS): Promise<UploadResult> {
  const head = Buffer.from(
    Object.entries(fields).map(([name, value]) => fieldPart(name, value)).join('') +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; filename="evidence.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    'utf8')
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`, 'utf8')
  const body = Buffer.concat([head, content, tail])
  const url = new URL('/report', baseUrl)
  const piece = Math.max(1, Math.round(bytesPerSecond / 5))
  const started = performance.now()
  return new Promise<UploadResult>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': String(body.byteLength), Origin: url.origin },
    }, (res) => {
      clearInterval(timer)
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }))
      res.on('error', reject)
    })
    req.on('error', (err) => { clearInterval(timer); reject(err) })
    let sent = 0
    const next = (): void => {
      const end = Math.min(sent + piece, body.byteLength)
      req.write(body.subarray(sent, end))
      sent = end
      if (sent >= body.byteLength) { clearInterval(timer); req.end() }
    }
    next()
    timer = setInterval(next, 200)
  })
}

/** Posts an urlencoded form; resolves with the status, the Location header and the first cookie set. */
export async function postForm (baseUrl: string, pathname: string, form: Record<string, string>, cookie?: string): Promise<{ status: number; location?: string; cookie?: string; body: string }> {
  const response = await fetch(new URL(pathname, baseUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: new URL(baseUrl).origin, ...(cookie === undefined ? {} : { Cookie: cookie }) },
    body: new URLSearchParams(form).toString(),
  })
  const setCookie = response.headers.get('set-cookie')
  return {
    status: response.status,
    ...(response.headers.get('location') === null ? {} : { location: response.headers.get('location')! }),
    ...(setCookie === null ? {} : { cookie: setCookie.split(';')[0]! }),
    body: await response.text(),
  }
}

/** Submits a text report and reads its codename page; resolves with the codename. */
export async function newReporter (baseUrl: string): Promise<string> {
  const { body, contentType } = textReportBody()
  const response = await fetch(new URL('/report', baseUrl), { method: 'POST', redirect: 'manual', headers: { 'Content-Type': contentType, Origin: new URL(baseUrl).origin }, body })
  if (response.status !== 303) throw new Error(`report not accepted: ${response.status}`)
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!
  const page = await (await fetch(new URL(response.headers.get('location')!, baseUrl), { headers: { Cookie: cookie } })).text()
  const codename = /id="codename"[^>]*>\s*([a-z -]+?)\s*</.exec(page)?.[1]
  if (codename === undefined) throw new Error('no codename on the page')
  return codename
}
