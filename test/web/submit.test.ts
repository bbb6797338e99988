/**
 * The submission contract over real HTTP: a report goes in as multipart, the
 * reporter gets a read-once codename page, and the store holds only closed
 * metadata and ciphertext that the force's key (and the real GnuPG) opens to
 * exactly what was sent. Nothing a person wrote, no address, user agent or
 * clock time, and no codename reaches DATA_DIR.
 */
import test, { type ExecutionContext } from 'ava'
import { randomBytes } from 'node:crypto'
import { lstat, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { connectControl } from '../../src/store/control.js'
import { readBlob } from '../../src/store/blobs.js'
import type { Kv } from '../../src/store/kv.js'
import { reportsOfForce, type ReportRecord } from '../../src/store/records.js'
import { translate } from '../../src/web/i18n.js'
import { gpgHome } from '../helpers/gpg.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { escapeHtml } from '../helpers/html.js'

const MiB = 1024 * 1024
const WORDS = new Set(
  (await readFile(new URL('../../src/domain/eff-large-wordlist.txt', import.meta.url), 'utf8')).split('\n').filter((w) => w !== ''),
)

// ---------------------------------------------------------------- helpers

interface FileToSend {
  readonly name: string
  readonly content: Uint8Array
}

/** A unique marker that cannot occur by chance. */
function marker (label: string): string {
  return `${label}-${randomBytes(12).toString('hex')}`
}

function utcToday (): string {
  return new Date().toISOString().slice(0, 10)
}

/** Posts the report form in browser field order (force first), with the files after the message. */
async function postReport (service: TestService, fields: Record<string, string>, files: readonly FileToSend[], headers: Record<string, string> = {}): Promise<Response> {
  const form = new FormData()
  const early = ['force', 'category', 'message']
  for (const name of early) if (fields[name] !== undefined) form.append(name, fields[name])
  for (const file of files) form.append('attachments', new Blob([new Uint8Array(file.content)]), file.name)
  for (const [name, value] of Object.entries(fields)) if (!early.includes(name)) form.append(name, value)
  return fetch(`${service.url}/report`, { method: 'POST', body: form, redirect: 'manual', headers: { Origin: service.url, ...headers } })
}

function receiptCookie (response: Response): string {
  const cookies = response.headers.getSetCookie()
  if (cookies.length !== 1) throw new Error('expected one Set-Cookie')
  return cookies[0]!.split(';')[0]!
}

async function getPage (service: TestService, pathname: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${service.url}${pathname}`, { redirect: 'manual', headers })
}

function codenameOf (html: string): string | undefined {
  return /id="codename"[^>]*>([^<]*)</.exec(html)?.[1]?.trim()
}

async function collect (chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of chunks) parts.push(Buffer.from(chunk))
  return Buffer.concat(parts)
}

async function reportsOf (kv: Kv, force: string): Promise<ReportRecord[]> {
  const out: ReportRecord[] = []
  for await (const report of reportsOfForce(kv, force)) out.push(report)
  return out
}

/** Every regular file under `dir` (sockets, links and vanished files skipped). */
async function regularFiles (dir: string): Promise<string[]> {
  let entries
  try { entries = await readdir(dir, { withFileTypes: true }) } catch { return [] }
  const out: string[] = []
  for (const entry of entries) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...await regularFiles(full))
    else if (entry.isFile()) out.push(full)
  }
  return out
}

/** Every path (files and folders) under `dir`, relative to it. */
async function allPaths (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true })
  return entries.map(String)
}

/**
 * The forms a string could take in a file: UTF-8, UTF-16LE, hex, and the part
 * of its base64 (standard and URL alphabet) that does not depend on what
 * precedes it, at each of the three byte alignments.
 */
function needles (label: string, text: string): Array<{ label: string; bytes: Buffer }> {
  const utf8 = Buffer.from(text, 'utf8')
  const out = [
    { label: `${label} (utf-8)`, bytes: utf8 },
    { label: `${label} (utf-16le)`, bytes: Buffer.from(text, 'utf16le') },
    { label: `${label} (hex)`, bytes: Buffer.from(utf8.toString('hex')) },
    { label: `${label} (HEX)`, bytes: Buffer.from(utf8.toString('hex').toUpperCase()) },
  ]
  for (const shift of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(shift), utf8])
    const whole = padded.subarray(0, Math.floor(padded.length / 3) * 3).toString('base64')
    const core = shift === 0 ? whole : whole.slice(4)
    out.push({ label: `${label} (base64/${shift})`, bytes: Buffer.from(core) })
    out.push({ label: `${label} (base64url/${shift})`, bytes: Buffer.from(core.replace(/\+/g, '-').replace(/\//g, '_')) })
  }
  return out
}

/** Which needles occur in a file's bytes. */
function found (bytes: Buffer, list: ReadonlyArray<{ label: string; bytes: Buffer }>): string[] {
  return list.filter((needle) => bytes.includes(needle.bytes)).map((needle) => needle.label)
}

/** What in a file looks like a network address, a user agent or a clock time. */
function traces (bytes: Buffer, userAgent: string, nowMs: number): string[] {
  const text = bytes.toString('latin1')
  const out: string[] = []
  if (/(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9.])/.test(text)) out.push('an IPv4 address')
  // Delimited, so that three random ciphertext bytes cannot match by chance.
  if (/(?:^|[\s"'=[(,;])::1(?![0-9A-Za-z:])/.test(text)) out.push('the IPv6 loopback address')
  if (/::ffff:/i.test(text)) out.push('an IPv4-mapped IPv6 address')
  if (bytes.includes(Buffer.from(userAgent)) || bytes.includes(Buffer.from(userAgent, 'utf16le'))) out.push('the User-Agent')
  if (/(?<!\d)(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?!\d)/.test(text)) out.push('a time of day HH:MM:SS')
  if (/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) out.push('an ISO timestamp')
  const day = 86_400
  const seconds = Math.floor(nowMs / 1000)
  for (const run of text.matchAll(/\d{10,}/g)) {
    const digits = run[0]
    for (let i = 0; i + 10 <= digits.length; i++) {
      const value = Number(digits.slice(i, i + 10))
      if (Math.abs(value - seconds) <= day) out.push('Unix time in seconds')
    }
    for (let i = 0; i + 13 <= digits.length; i++) {
      const value = Number(digits.slice(i, i + 13))
      if (Math.abs(value - nowMs) <= day * 1000) out.push('Unix time in milliseconds')
    }
  }
  return out
}

/** Scans every file under `dir`; fails the test naming the file and what it holds. */
async function assertClean (t: ExecutionContext, dir: string, list: ReadonlyArray<{ label: string; bytes: Buffer }>, userAgent?: string): Promise<number> {
  const files = await regularFiles(dir)
  const nowMs = Date.now()
  for (const file of files) {
    let bytes: Buffer
    try { bytes = await readFile(file) } catch { continue }
    const hits = [...found(bytes, list), ...(userAgent === undefined ? [] : traces(bytes, userAgent, nowMs))]
    t.deepEqual(hits, [], path.relative(dir, file))
  }
  return files.length
}

// ---------------------------------------------------------------- tests

test('the DATA_DIR scanner finds what it looks for (a check of this file\'s own helpers)', (t) => {
  const value = marker('probe')
  const list = needles(value, value)
  for (const shift of [0, 1, 2]) {
    const lead = Buffer.alloc(shift, 0x41)
    t.true(found(Buffer.from(lead.toString() + Buffer.from(value).toString('base64')), list).length > 0, `base64 at ${shift}`)
    t.true(found(Buffer.from(Buffer.concat([lead, Buffer.from(value)]).toString('base64url')), list).length > 0, `base64url at ${shift}`)
  }
  t.true(found(Buffer.from(`x${value}x`, 'utf16le'), list).length > 0)
  t.true(found(Buffer.concat([randomBytes(100), Buffer.from(value), randomBytes(100)]), list).length > 0)
  const now = Date.now()
  const ua = 'ProbeAgent/1'
  t.deepEqual(traces(Buffer.from('nothing here 2024-05-01 {"x":"met!2024-05-01!ab"}'), ua, now), [])
  for (const sample of ['from 127.0.0.1', '{"ip":"::1"}', 'addr ::ffff:10.0.0.1', 'ProbeAgent/1', 'at 23:59:07', '2024-05-01T10:11', `t=${Math.floor(now / 1000) + 3600}`, `ms:${now - 5000};`]) {
    // Spaces around the sample: a random digit next to it would make another number, not this one.
    t.true(traces(Buffer.concat([randomBytes(64), Buffer.from(` ${sample} `), randomBytes(64)]), ua, now).length > 0, sample)
  }
})

test('a report goes in, the codename is shown once, and the store holds only closed metadata and ciphertext the force can read', async (t) => {
  const service = await startTestService()
  t.teardown(() => service.dispose())
  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())

  const messageMarker = marker('message')
  const contactMarker = marker('contact')
  const message = `Round trip ${messageMarker}\nSecond line: ünïcödé ✓ “quotes” & <tags>\n\nLast line.`
  const contact = `Call ${contactMarker} after six`
  const big = randomBytes(3 * MiB)
  const tiny = Buffer.from('tiny ✓ file\n', 'utf8')
  const tinyName = 'résumé – 證據.txt'
  const dayBefore = utcToday()

  const posted = await postReport(service, {
    force: 'met',
    category: 'bribery',
    message,
    anonymity: 'contact',
    contact,
    'at-risk': 'yes',
  }, [{ name: 'evidence.bin', content: big }, { name: tinyName, content: tiny }])

  t.is(posted.status, 303)
  t.is(posted.headers.get('location'), '/report/sent')
  const setCookies = posted.headers.getSetCookie()
  t.is(setCookies.length, 1)
  const [pair, ...attributes] = setCookies[0]!.split(';').map((part) => part.trim())
  t.regex(pair!, /^candour_receipt=[A-Za-z0-9_-]{43}$/)
  t.true(attributes.includes('HttpOnly'))
  t.true(attributes.includes('SameSite=Strict'))
  t.true(attributes.includes('Path=/report/sent'))
  t.false(attributes.some((a) => /^(expires|max-age)=/i.test(a)), 'a session cookie')

  const shown = await getPage(service, '/report/sent', { Cookie: receiptCookie(posted) })
  t.is(shown.status, 200)
  const page = await shown.text()
  t.true(page.includes(escapeHtml(translate('en', 'codename.title'))))
  t.true(page.includes(escapeHtml(translate('en', 'common.emergency'))), 'someone at risk: the emergency warning')
  const codename = codenameOf(page)
  t.truthy(codename)
  const words = codename!.split(' ')
  t.is(words.length, 7)
  for (const word of words) t.true(WORDS.has(word), 'a word of the EFF large wordlist')

  const again = await getPage(service, '/report/sent', { Cookie: receiptCookie(posted) })
  const againPage = await again.text()
  t.is(codenameOf(againPage), undefined, 'the codename is shown once')
  t.false(againPage.includes(codename!))
  t.true(againPage.includes(escapeHtml(translate('en', 'errors.page.receiptGone.title'))))

  const kv = await connectControl(service.dataDir)
  t.teardown(() => kv.close())
  const reports = await reportsOf(kv, 'met')
  const dayAfter = utcToday()
  t.is(reports.length, 1)
  const report = reports[0]!

  // Closed values only; the other keys are structure (random ids, the derived reporter id, item lists).
  const closed = ['force', 'category', 'channel', 'urgent', 'status', 'received', 'stats']
  const structure = ['v', 'id', 'reporter', 'items', 'replies']
  t.deepEqual(Object.keys(report).filter((key) => !closed.includes(key) && !structure.includes(key)), [])
  for (const key of closed) t.true(Object.hasOwn(report, key), key)
  t.is(report.v, 1)
  t.regex(report.id, /^[0-9a-f]{24}$/)
  t.is(report.force, 'met')
  t.is(report.category, 'bribery')
  t.is(report.channel, 'online')
  t.is(report.urgent, true)
  t.is(report.status, 'new')
  t.regex(report.received, /^\d{4}-\d{2}-\d{2}$/)
  t.true(report.received === dayBefore || report.received === dayAfter, 'received is the UTC date')
  // What statistics count of it (issue 12): the same closed values, with the UTC month only.
  t.deepEqual(report.stats, [{ e: 'received', m: report.received.slice(0, 7), f: 'met', ch: 'online', c: 'bribery', u: true }])
  t.regex(report.reporter, /^[0-9a-f]{64}$/)
  t.deepEqual(report.items.map((item) => item.kind).sort(), ['attachment', 'attachment', 'contact', 'report'])
  for (const item of report.items) {
    t.deepEqual(Object.keys(item).sort(), ['blob', 'id', 'kind', 'received', 'size'])
    t.is(item.received, report.received)
  }
  const json = JSON.stringify(report)
  for (const secret of [messageMarker, contactMarker, codename!, 'evidence', 'résumé']) t.false(json.includes(secret))

  await gpg.importKey(path.join(service.dataDir, 'demo-keys', 'met.secret.asc'))
  const attachments: Buffer[] = []
  for (const item of report.items) {
    const ciphertext = await collect(readBlob(kv, item.blob))
    t.is(ciphertext.byteLength, item.size)
    t.false(ciphertext.includes(Buffer.from(messageMarker)))
    t.false(ciphertext.includes(Buffer.from(contactMarker)))
    const plaintext = await gpg.decrypt(ciphertext)
    if (item.kind === 'report') {
      const text = plaintext.toString('utf8')
      t.true(text.includes(`\nWhat happened:\n${message}\n`), 'the message, exactly')
      t.true(text.includes(`Report id: ${report.id}\n`))
      t.true(text.includes('Attachments: 2\n'))
      t.false(text.includes(contactMarker), 'contact details are their own item')
    } else if (item.kind === 'contact') {
      const text = plaintext.toString('utf8')
      t.true(text.includes(`\n\n${contact}\n`), 'the contact details, exactly')
      t.false(text.includes(messageMarker))
    } else {
      attachments.push(plaintext)
    }
  }
  t.is(attachments.length, 2)
  t.true(attachments.some((bytes) => bytes.equals(big)), 'the 3 MiB file, byte for byte')
  t.true(attachments.some((bytes) => bytes.equals(tiny)), 'the small file, byte for byte')

  // The UTF-8 file name survives, inside the encrypted literal data packet only.
  const tinyItem = report.items.find((item) => item.kind === 'attachment' && item.size < MiB)!
  const tinyFile = path.join(gpg.home, 'tiny.gpg')
  await writeFile(tinyFile, await collect(readBlob(kv, tinyItem.blob)))
  const packets = await gpg.listPackets(tinyFile)
  const literal = /name="([^"]*)"/.exec(packets)?.[1] ?? ''
  // gpg prints bytes outside ASCII as \xNN escapes.
  const name = Buffer.from(literal.replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')
  t.is(name, tinyName)
  // The literal packet's date is a UTC midnight: no time of day.
  const created = Number(/created (\d+)/.exec(packets)?.[1])
  t.is(created % 86_400, 0)
})

test('nothing a reporter sent, no address, user agent or clock time, is written anywhere under DATA_DIR or to temporary files', async (t) => {
  const tmpBefore = new Set(await readdir(os.tmpdir()))
  const service = await startTestService()
  t.teardown(() => service.dispose())
  const userAgent = `CandourLeakProbe/${randomBytes(8).toString('hex')} (X11; probe)`
  const markers: string[] = []
  const remember = (label: string): string => {
    const value = marker(label)
    markers.push(value)
    return value
  }

  for (let i = 0; i < 3; i++) {
    const response = await postReport(service, {
      force: i === 0 ? 'met' : 'kent',
      category: 'other',
      message: `What happened ${remember('message')}`,
      anonymity: 'contact',
      contact: `Reach me at ${remember('contact')}`,
      'at-risk': i === 0 ? 'yes' : 'no',
    }, [
      { name: `${remember('filename')}.txt`, content: Buffer.from(`attachment ${remember('content')}\n`.repeat(200)) },
      { name: `${remember('filename')} ✓.pdf`, content: Buffer.concat([randomBytes(4096), Buffer.from(remember('content'))]) },
    ], { 'User-Agent': userAgent })
    t.is(response.status, 303)
    const page = await getPage(service, '/report/sent', { Cookie: receiptCookie(response), 'User-Agent': userAgent })
    t.is(page.status, 200)
  }
  // A refused report (no category) with files that were stored, then abandoned.
  const refused = await postReport(service, {
    force: 'met',
    message: `Refused ${remember('message')}`,
    anonymity: 'contact',
    contact: remember('contact'),
  }, [{ name: `${remember('filename')}.doc`, content: Buffer.from(remember('content')) }], { 'User-Agent': userAgent })
  t.is(refused.status, 400)

  const list = markers.flatMap((value) => needles(value, value))
  t.is(await assertClean(t, service.dataDir, list, userAgent) > 0, true)
  const names = (await allPaths(service.dataDir)).join('\n')
  for (const value of markers) t.false(names.includes(value), 'no file is named after what was sent')

  // LevelDB's info log is never written: both names are occupied by folders holding only our placeholder.
  for (const name of ['LOG', 'LOG.old']) {
    const where = path.join(service.dataDir, 'store', name)
    t.true((await stat(where)).isDirectory(), name)
    t.deepEqual(await readdir(where), ['README'], name)
  }

  // Again after a clean stop, when LevelDB has written whatever it writes at close.
  await service.close()
  await assertClean(t, service.dataDir, list, userAgent)

  // No temporary file of ours holds what was sent.
  const created = (await readdir(os.tmpdir())).filter((name) => !tmpBefore.has(name))
  for (const name of created) {
    const where = path.join(os.tmpdir(), name)
    let info
    try { info = await lstat(where) } catch { continue }
    if (info.isDirectory()) await assertClean(t, where, list)
    else if (info.isFile()) {
      let bytes: Buffer
      try { bytes = await readFile(where) } catch { continue }
      t.deepEqual(found(bytes, list), [], where)
    }
  }
})

test('the codename is never in a URL, a header or a cookie, nor anywhere under DATA_DIR', async (t) => {
  const service = await startTestService()
  t.teardown(() => service.dispose())
  // The codename comes from the reserve made ahead of time, the path a new reporter usually takes.
  while (service.codenameReserve.ready < service.codenameReserve.capacity) await new Promise((resolve) => setTimeout(resolve, 10))
  t.true(service.codenameReserve.capacity > 0)
  const responses: Response[] = []

  const posted = await postReport(service, {
    force: 'met',
    category: 'abuse-of-position',
    message: 'Codename leak check',
    anonymity: 'anonymous',
  }, [{ name: 'note.txt', content: Buffer.from('a note') }])
  responses.push(posted)
  t.is(posted.status, 303)
  const location = posted.headers.get('location')
  t.is(location, '/report/sent')
  const cookie = receiptCookie(posted)

  const shown = await getPage(service, location!, { Cookie: cookie })
  responses.push(shown)
  const codename = codenameOf(await shown.text())
  t.truthy(codename)
  const again = await getPage(service, location!, { Cookie: cookie })
  responses.push(again)
  await again.text()

  const forms = [codename!, ...['-', '+', '%20', '_', '', '.'].map((sep) => codename!.split(' ').join(sep))]
  const lower = forms.map((form) => form.toLowerCase())
  for (const response of responses) {
    response.headers.forEach((value, name) => {
      for (const form of lower) t.false(value.toLowerCase().includes(form), `header ${name}`)
    })
    for (const value of response.headers.getSetCookie()) {
      for (const form of lower) t.false(value.toLowerCase().includes(form), 'Set-Cookie')
    }
  }
  for (const form of lower) t.false(cookie.toLowerCase().includes(form))
  t.false(/[?#]/.test(location!), 'no query or fragment in the redirect')

  const list = forms.flatMap((form) => needles('codename', form))
  await assertClean(t, service.dataDir, list)
  await service.close()
  await assertClean(t, service.dataDir, list)
})
