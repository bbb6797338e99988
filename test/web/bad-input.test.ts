/**
 * Every bad input gets a clear page in the site's own style with the right
 * status, nothing is stored, and the server keeps serving. Bodies that no
 * browser would send (garbage, truncated, aborted, reordered) go through
 * node:http so their bytes are exactly what the test says.
 */
import test, { type ExecutionContext } from 'ava'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import { connectControl } from '../../src/store/control.js'
import type { Kv, Space } from '../../src/store/kv.js'
import { reportsOfForce } from '../../src/store/records.js'
import { translate } from '../../src/web/i18n.js'
import { assetPath } from '../../src/web/static-files.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { escapeHtml } from '../helpers/html.js'

const MiB = 1024 * 1024
const COUNTED: readonly Space[] = ['reports', 'by-force', 'reporters', 'blobs', 'pending']

let service: TestService
let kv: Kv
// A second service whose submissions may total 1 MiB.
let small: TestService

test.before(async () => {
  service = await startTestService()
  kv = await connectControl(service.dataDir)
  small = await startTestService({ CANDOUR_MAX_SUBMISSION_MIB: '1' })
})

test.after.always(async () => {
  await kv?.close()
  await service?.dispose()
  await small?.dispose()
})

// ---------------------------------------------------------------- helpers

interface Page {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

type Part =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly filename: string; readonly content: Uint8Array }

const BOUNDARY = '----CandourTestBoundary7MA4YWxkTrZu0gW'
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`

/** The bytes of a multipart body; `close: false` leaves out the closing boundary. */
function multipart (parts: readonly Part[], options: { close?: boolean } = {}): Buffer {
  const out: Buffer[] = []
  for (const part of parts) {
    if ('filename' in part) {
      out.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`))
      out.push(Buffer.from(part.content), Buffer.from('\r\n'))
    } else {
      out.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`, 'utf8'))
    }
  }
  if (options.close !== false) out.push(Buffer.from(`--${BOUNDARY}--\r\n`))
  return Buffer.concat(out)
}

function fields (values: Record<string, string>): Part[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }))
}

const VALID = { force: 'met', category: 'bribery', message: 'Something happened.', anonymity: 'anonymous' }

/**
 * POSTs raw bytes to /report with node:http, in 64 KiB writes that respect
 * backpressure. Without a Content-Length the body goes chunked. Writing stops
 * once the response has begun: a server may answer before reading everything.
 */
function rawPost (target: TestService, headers: Record<string, string | number>, body: Buffer): Promise<Page> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL('/report', target.url), { method: 'POST', headers: { Origin: target.url, ...headers } })
    let responded = false
    req.on('response', (res) => {
      responded = true
      const parts: Buffer[] = []
      res.on('data', (chunk: Buffer) => parts.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }))
      res.on('error', reject)
    })
    // A write cut short by the server closing after its answer is expected; before it, a failure.
    req.on('error', (err) => { if (!responded) reject(err) })
    void (async () => {
      for (let at = 0; at < body.length; at += 64 * 1024) {
        if (responded || req.destroyed) return
        if (!req.write(body.subarray(at, at + 64 * 1024))) await new Promise((resolve) => req.once('drain', resolve))
      }
      if (!responded && !req.destroyed) req.end()
    })()
  })
}

/** POSTs a multipart body with a Content-Length (or chunked). */
function postMultipart (target: TestService, body: Buffer, options: { chunked?: boolean; headers?: Record<string, string> } = {}): Promise<Page> {
  return rawPost(target, { 'Content-Type': MULTIPART, ...(options.chunked === true ? {} : { 'Content-Length': body.length }), ...options.headers }, body)
}

async function count (space: Space): Promise<number> {
  let n = 0
  for await (const _ of kv.keys(space)) n++
  return n
}

async function counts (): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const space of COUNTED) out[space] = await count(space)
  return out
}

async function untilPending (wanted: (n: number) => boolean, what: string): Promise<void> {
  // Bounded: the store is polled, never a fixed sleep; cleanup runs once the abort is noticed.
  for (let i = 0; i < 100; i++) {
    if (wanted(await count('pending'))) return
    await delay(50)
  }
  throw new Error(`pending space never ${what}`)
}

function say (key: string, params?: Record<string, string | number>): string {
  return escapeHtml(translate('en', key, params))
}

/** A whole page of the site: doctype, the layout's stylesheet and header, the title. */
function assertLayout (t: ExecutionContext, page: Page, title: string): void {
  t.regex(String(page.headers['content-type']), /^text\/html; charset=utf-8$/)
  t.true(page.body.startsWith('<!DOCTYPE html>'))
  t.true(page.body.includes(`<link rel="stylesheet" href="${assetPath('reporter.css')}">`))
  t.true(page.body.includes('<main class="govuk-main-wrapper" id="main-content">'))
  t.true(page.body.includes(`<title>${title} – ${say('service.name')}</title>`), title)
}

/** An error page: status, layout, the catalogue title as title and heading. */
function assertErrorPage (t: ExecutionContext, page: Page, status: number, name: string, bodyParams?: Record<string, number>): void {
  t.is(page.status, status)
  assertLayout(t, page, say(`errors.page.${name}.title`))
  t.true(page.body.includes(`<h1 class="govuk-heading-l">${say(`errors.page.${name}.title`)}</h1>`))
  t.true(page.body.includes(say(`errors.page.${name}.body`, bodyParams)))
}

/** The report form again, with an error summary whose entries link to the fields. */
function assertFormErrors (t: ExecutionContext, page: Page, errors: ReadonlyArray<{ field: string; key: string; params?: Record<string, number> }>): void {
  t.is(page.status, 400)
  assertLayout(t, page, `${say('layout.errorPrefix')} ${say('report.title')}`)
  t.true(page.body.includes(say('report.errorSummaryTitle')))
  for (const error of errors) {
    t.true(page.body.includes(`<a href="#${error.field}">${say(error.key, error.params)}</a>`), `${error.field}: ${error.key}`)
    t.regex(page.body, new RegExp(`id="${error.field}"`), `the link target #${error.field} exists`)
  }
  t.is(page.body.match(/<li>\s*<a href="#/g)?.length, errors.length, 'no other errors')
}

async function assertStillServing (t: ExecutionContext, target: TestService = service): Promise<void> {
  const response = await fetch(`${target.url}/`)
  t.is(response.status, 200)
  await response.text()
}

/** Runs `send`, then checks that nothing was stored and the server still serves. */
async function nothingStored (t: ExecutionContext, send: () => Promise<void>): Promise<void> {
  const before = await counts()
  await send()
  t.deepEqual(await counts(), before, 'nothing stored')
  await assertStillServing(t)
}

// ---------------------------------------------------------------- form errors

test.serial('a message over 100,000 characters: the form again, the error linking #message, the text answers kept', async (t) => {
  await nothingStored(t, async () => {
    const page = await postMultipart(service, multipart(fields({ ...VALID, message: 'x'.repeat(100_001), 'when-month': '3', 'when-year': '2020', duty: 'off' })))
    assertFormErrors(t, page, [{ field: 'message', key: 'errors.report.messageTooLong', params: { max: 100_000 } }])
    t.true(page.body.includes('<option value="met" selected>'))
    t.regex(page.body, /value="bribery" checked/)
    t.regex(page.body, /value="anonymous" checked/)
    t.regex(page.body, /value="off" checked/)
    t.regex(page.body, /id="when-year" name="when-year" type="text" value="2020"/)
    t.true(page.body.includes(`>${'x'.repeat(100_001)}</textarea>`), 'the long message is echoed back for editing')
  })
})

test.serial('a message beyond the field byte limit (cut short by the parser) is refused as too long, not stored cut short', async (t) => {
  await nothingStored(t, async () => {
    const page = await postMultipart(service, multipart(fields({ ...VALID, message: 'ü'.repeat(210_000) })))
    assertFormErrors(t, page, [{ field: 'message', key: 'errors.report.messageTooLong', params: { max: 100_000 } }])
  })
})

test.serial('an unknown force: error on #force, and a file sent after it is dropped', async (t) => {
  await nothingStored(t, async () => {
    const page = await postMultipart(service, multipart([
      ...fields({ ...VALID, force: 'atlantis' }),
      { name: 'attachments', filename: 'a.txt', content: Buffer.from('a file') },
    ]))
    assertFormErrors(t, page, [{ field: 'force', key: 'errors.report.forceUnknown' }])
    t.true(page.body.includes(say('report.filesDropped')))
    t.false(page.body.includes('atlantis'), 'a value not on the list is not echoed')
  })
})

test.serial('an unknown category: error on #category', async (t) => {
  await nothingStored(t, async () => {
    const page = await postMultipart(service, multipart(fields({ ...VALID, category: 'jaywalking' })))
    assertFormErrors(t, page, [{ field: 'category', key: 'errors.report.categoryUnknown' }])
  })
})

test.serial('an empty message: error on #message', async (t) => {
  await nothingStored(t, async () => {
    const page = await postMultipart(service, multipart(fields({ ...VALID, message: ' \r\n\t ' })))
    assertFormErrors(t, page, [{ field: 'message', key: 'errors.report.messageMissing' }])
  })
})

test.serial('contact chosen without contact details: error on #contact', async (t) => {
  await nothingStored(t, async () => {
    const page = await postMultipart(service, multipart(fields({ ...VALID, anonymity: 'contact', contact: '   ' })))
    assertFormErrors(t, page, [{ field: 'contact', key: 'errors.report.contactMissing' }])
  })
})

test.serial('a year in the future: error on #when-year', async (t) => {
  const year = String(new Date().getUTCFullYear() + 2)
  await nothingStored(t, async () => {
    const page = await postMultipart(service, multipart(fields({ ...VALID, 'when-year': year })))
    assertFormErrors(t, page, [{ field: 'when-year', key: 'errors.report.whenFuture' }])
    t.regex(page.body, new RegExp(`name="when-year" type="text" value="${year}"`))
  })
})

test.serial('files stored before a form error are removed, and the form says to choose them again', async (t) => {
  await nothingStored(t, async () => {
    const page = await postMultipart(service, multipart([
      ...fields({ force: 'met', category: 'bribery' }),
      { name: 'attachments', filename: 'one.bin', content: randomBytes(MiB + 5) },
      { name: 'attachments', filename: 'two.bin', content: randomBytes(10) },
      ...fields({ message: '', anonymity: 'anonymous' }),
    ]))
    assertFormErrors(t, page, [{ field: 'message', key: 'errors.report.messageMissing' }])
    t.true(page.body.includes('id="files-dropped"'))
    t.true(page.body.includes(say('report.filesDropped')))
  })
})

// ---------------------------------------------------------------- attachments before the force

// A 3 MiB file first: its part is handed over before the force field has arrived.
const fileBeforeForce = (rest: Record<string, string>): Buffer => multipart([
  { name: 'attachments', filename: 'first.bin', content: randomBytes(3 * MiB) },
  ...fields(rest),
])

test.serial('a file sent before the force field, with a form error: nothing stored, and the form says to choose the files again', async (t) => {
  await nothingStored(t, async () => {
    const page = await postMultipart(service, fileBeforeForce({ ...VALID, message: '' }))
    assertFormErrors(t, page, [{ field: 'message', key: 'errors.report.messageMissing' }, { field: 'attachments', key: 'errors.report.attachmentsDropped' }])
    t.true(page.body.includes('id="files-dropped"'))
    t.true(page.body.includes(say('report.filesDropped')))
  })
})

// A file whose part arrives before the force field cannot be encrypted: the form must be refused
// with nothing stored (never stored without the file), whatever the TCP chunking.
test.serial('a file sent before the force field of an otherwise valid form is not silently lost', async (t) => {
  const before = await counts()
  const known = new Set<string>()
  for await (const report of reportsOfForce(kv, 'met')) known.add(report.id)
  const page = await postMultipart(service, fileBeforeForce(VALID))
  t.is(page.status, 400, 'refused: the file could not be encrypted without a force')
  if (page.status === 303) {
    const added = []
    for await (const report of reportsOfForce(kv, 'met')) if (!known.has(report.id)) added.push(report)
    t.is(added.length, 1)
    t.is(added[0]?.items.filter((item) => item.kind === 'attachment').length, 1, 'stored with its file')
  } else {
    t.is(page.status, 400)
    t.true(page.body.includes(say('report.filesDropped')))
    t.deepEqual(await counts(), before)
  }
  await assertStillServing(t)
})

// ---------------------------------------------------------------- limits

test.serial('more than 10 attachments: 413 page naming the limits, nothing stored', async (t) => {
  await nothingStored(t, async () => {
    const files = Array.from({ length: 11 }, (_, i) => ({ name: 'attachments', filename: `f${i}.txt`, content: randomBytes(2048) }))
    const page = await postMultipart(service, multipart([...fields(VALID), ...files]))
    assertErrorPage(t, page, 413, 'tooLarge', { maxFiles: 10, maxTotalMiB: 500 })
  })
})

for (const chunked of [false, true]) {
  test.serial(`a 2 MiB submission to a 1 MiB service (${chunked ? 'chunked, no Content-Length' : 'with Content-Length'}): 413, nothing stored`, async (t) => {
    const smallKv = await connectControl(small.dataDir)
    t.teardown(() => smallKv.close())
    const spaces = async (): Promise<number[]> => Promise.all(COUNTED.map(async (space) => { let n = 0; for await (const _ of smallKv.keys(space)) n++; return n }))
    const before = await spaces()
    const body = multipart([...fields(VALID), { name: 'attachments', filename: 'big.bin', content: randomBytes(2 * MiB) }])
    const page = await postMultipart(small, body, { chunked })
    assertErrorPage(t, page, 413, 'tooLarge', { maxFiles: 10, maxTotalMiB: 1 })
    t.deepEqual(await spaces(), before)
    await assertStillServing(t, small)
  })
}

test.serial('a declared Content-Length beyond the limit is refused before the body is read: 413', async (t) => {
  const smallKv = await connectControl(small.dataDir)
  t.teardown(() => smallKv.close())
  let blobsBefore = 0
  for await (const _ of smallKv.keys('blobs')) blobsBefore++
  const body = multipart([...fields(VALID), { name: 'attachments', filename: 'big.bin', content: randomBytes(6 * MiB) }])
  const page = await postMultipart(small, body)
  assertErrorPage(t, page, 413, 'tooLarge', { maxFiles: 10, maxTotalMiB: 1 })
  t.is(page.headers.connection, 'close')
  let blobsAfter = 0
  for await (const _ of smallKv.keys('blobs')) blobsAfter++
  t.is(blobsAfter, blobsBefore)
  await assertStillServing(t, small)
})

// ---------------------------------------------------------------- broken bodies

test.serial('garbage with a multipart content type and boundary: 400', async (t) => {
  await nothingStored(t, async () => {
    const page = await postMultipart(service, Buffer.from('this is not multipart at all\r\n\r\n--nope\r\n' + randomBytes(512).toString('latin1'), 'latin1'))
    assertErrorPage(t, page, 400, 'badRequest')
  })
})

test.serial('a multipart content type without a boundary: 400', async (t) => {
  await nothingStored(t, async () => {
    for (const type of ['multipart/form-data; charset=utf-8', 'multipart/form-data']) {
      const page = await rawPost(service, { 'Content-Type': type }, multipart(fields(VALID)))
      assertErrorPage(t, page, 400, 'badRequest')
    }
  })
})

test.serial('a body that ends cleanly halfway through an attachment, without the closing boundary: 400', async (t) => {
  await nothingStored(t, async () => {
    const whole = multipart([...fields(VALID), { name: 'attachments', filename: 'half.bin', content: randomBytes(2 * MiB) }], { close: false })
    // Chunked, so the request itself ends properly; only the multipart inside is cut short.
    const page = await postMultipart(service, whole.subarray(0, whole.length - MiB), { chunked: true })
    assertErrorPage(t, page, 400, 'badRequest')
  })
})

test.serial('a form that is not multipart (application/x-www-form-urlencoded): 400', async (t) => {
  await nothingStored(t, async () => {
    const page = await rawPost(service, { 'Content-Type': 'application/x-www-form-urlencoded' }, Buffer.from(new URLSearchParams(VALID).toString()))
    assertErrorPage(t, page, 400, 'badRequest')
  })
})

test.serial('a client that disconnects mid-upload leaves no blob chunk and no pending marker, and the server still serves', async (t) => {
  const before = await counts()
  const content = randomBytes(5 * MiB)
  const body = multipart([...fields(VALID), { name: 'attachments', filename: 'gone.bin', content }])
  const req = http.request(new URL('/report', service.url), {
    method: 'POST',
    headers: { Origin: service.url, 'Content-Type': MULTIPART, 'Content-Length': body.length },
  })
  req.on('error', () => {})
  req.on('response', () => t.fail('no answer was expected to a half-sent body'))
  const half = body.length - Math.floor(content.length / 2)
  for (let at = 0; at < half; at += 64 * 1024) {
    if (!req.write(body.subarray(at, Math.min(at + 64 * 1024, half)))) await new Promise((resolve) => req.once('drain', resolve))
  }
  // The upload has reached the store: its blob is pending.
  await untilPending((n) => n > before.pending!, 'held the upload')
  req.destroy()
  await untilPending((n) => n === before.pending, 'emptied')
  // The pending marker goes last, in the batch that deletes the last chunks.
  t.deepEqual(await counts(), before)
  await assertStillServing(t)
})
