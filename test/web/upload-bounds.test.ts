/**
 * Bounds on anonymous load over real HTTP (issue 9): the cap on uploads in
 * progress, the floor of free disk space (attachments refused before they are
 * read, text still taken), the listener's connection cap, and idle sockets
 * closed while slow but live uploads go through. Every step waits on the
 * service's state, never on a measured time.
 */
import test, { type ExecutionContext } from 'ava'
import type http from 'node:http'
import net from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { connectControl } from '../../src/store/control.js'
import { translate } from '../../src/web/i18n.js'
import { assetPath } from '../../src/web/static-files.js'
import { snapshot } from '../helpers/reports.js'
import { login, postMultipartAs } from '../helpers/reporter.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { rawUpload, reportBody } from '../helpers/slow-upload.js'
import { postReport, submitReport } from '../helpers/submit.js'
import { escapeHtml } from '../helpers/html.js'

const MiB = 1024 * 1024
const REPORT = { force: 'met', category: 'bribery', message: 'BOUNDS', anonymity: 'anonymous' }
const FILE = [{ name: 'evidence.txt', content: Buffer.from('attached evidence\n') }]

const say = (key: string): string => escapeHtml(translate('en', key))

async function until (condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!await condition()) await delay(5)
}

async function assertPage (t: ExecutionContext, response: Response, status: number, page: string): Promise<void> {
  t.is(response.status, status)
  const body = await response.text()
  t.true(body.includes(say(`errors.page.${page}.title`)), page)
  t.true(body.includes(say(`errors.page.${page}.body`)), page)
  t.true(body.includes(`<link rel="stylesheet" href="${assetPath('reporter.css')}">`), 'in the site\'s own style')
}

async function assertServing (t: ExecutionContext, service: TestService): Promise<void> {
  t.is((await fetch(service.url + '/')).status, 200)
}

test('below the disk floor attachments are refused before they are read, text is still taken, and the server keeps serving', async (t) => {
  let free = 10 * 1024 * MiB
  const service = await startTestService({}, { freeSpace: async () => free })
  t.teardown(() => service.dispose())
  t.is(service.config.minFreeBytes, 2048 * MiB, 'the default floor')
  const kv = await connectControl(service.dataDir)
  t.teardown(() => kv.close())
  const codename = await submitReport(service.url, REPORT, FILE)

  free = 2047 * MiB
  const before = await snapshot(kv)
  await assertPage(t, await postReport(service.url, { ...REPORT, message: 'WITH-FILE' }, FILE), 503, 'storageLow')
  t.deepEqual(await snapshot(kv), before, 'nothing of the refused report was stored')
  await assertServing(t, service)
  // Text only: accepted as ever.
  t.is((await postReport(service.url, { ...REPORT, message: 'TEXT-ONLY' })).status, 303)

  // Further information from a logged-in reporter: the same rule.
  const visit = await login(service.url, codename)
  const reports = await (await fetch(service.url + '/reports', { headers: { Cookie: visit.cookie } })).text()
  const reportId = /further\?report=([0-9a-f]{24})/.exec(reports)?.[1]
  t.truthy(reportId)
  const beforeFurther = await snapshot(kv)
  await assertPage(t, await postMultipartAs(service.url, visit, '/further', [['csrf', visit.csrf], ['report', reportId!], ['message', 'MORE']], FILE), 503, 'storageLow')
  t.deepEqual(await snapshot(kv), beforeFurther)
  const textOnly = await postMultipartAs(service.url, visit, '/further', [['csrf', visit.csrf], ['report', reportId!], ['message', 'MORE TEXT']])
  t.is(textOnly.status, 303)

  // A disk that cannot be measured counts as full; one with room again takes files again.
  free = Number.NaN
  t.is((await postReport(service.url, REPORT, FILE)).status, 503)
  free = 3000 * MiB
  t.is((await postReport(service.url, REPORT, FILE)).status, 303)
})

test('past CANDOUR_MAX_UPLOADS an upload gets the busy page before its body is read; the server keeps serving', async (t) => {
  const service = await startTestService({ CANDOUR_MAX_UPLOADS: '1' })
  t.teardown(() => service.dispose())
  const kv = await connectControl(service.dataDir)
  t.teardown(() => kv.close())
  const body = reportBody(REPORT, Buffer.alloc(256 * 1024, 7))
  // One upload in progress, held open half-way.
  const held = rawUpload(service.url, body.length)
  held.write(body.subarray(0, body.length / 2))
  await until(() => service.uploads.active === 1)

  const before = await snapshot(kv)
  const refused = await postReport(service.url, REPORT, FILE)
  t.is(refused.headers.get('retry-after'), '60')
  t.is(refused.status, 503)
  // The form comes back with the text kept (its file never read): nothing to type again but the files.
  const page = await refused.text()
  t.true(page.includes(say('report.busy.title')))
  t.true(page.includes(say('report.busy.files')))
  t.true(page.includes('>BOUNDS</textarea>'))
  t.true(page.includes(`<link rel="stylesheet" href="${assetPath('reporter.css')}">`), 'in the site\'s own style')
  t.is(service.uploads.active, 1)
  await assertServing(t, service)
  t.deepEqual(await snapshot(kv), before)

  held.destroy()
  await until(() => service.uploads.active === 0)
  t.is((await postReport(service.url, REPORT, FILE)).status, 303)
})

test('a slow but live upload goes through; an idle socket is closed', async (t) => {
  const service = await startTestService({}, { socketIdleMs: 1000 })
  t.teardown(() => service.dispose())
  // Idle: connected, nothing sent. The server closes it.
  const idle = net.connect(Number(new URL(service.url).port), '127.0.0.1')
  const closed = new Promise<string>((resolve) => {
    let received = ''
    idle.on('data', (chunk: Buffer) => { received += chunk.toString('latin1') })
    idle.on('close', () => resolve(received))
  })
  idle.on('error', () => {})

  // Slow: a piece every 250 ms, for four times the idle period.
  const body = reportBody(REPORT, Buffer.alloc(64 * 1024, 9))
  const slow = rawUpload(service.url, body.length)
  const answer = new Promise<http.IncomingMessage>((resolve) => slow.on('response', resolve))
  const pieces = 16
  const size = Math.ceil(body.length / pieces)
  for (let at = 0; at < body.length; at += size) {
    slow.write(body.subarray(at, Math.min(at + size, body.length)))
    await delay(250)
  }
  slow.end()
  t.is((await answer).statusCode, 303)
  t.is(await closed, '', 'closed without a byte of answer')
})

test('the listener takes at most CANDOUR_MAX_CONNECTIONS sockets at once and serves again once they go', async (t) => {
  const service = await startTestService({ CANDOUR_MAX_CONNECTIONS: '16' })
  t.teardown(() => service.dispose())
  const port = Number(new URL(service.url).port)
  const sockets: net.Socket[] = []
  t.teardown(() => { for (const socket of sockets) socket.destroy() })
  for (let i = 0; i < 16; i++) {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    // Half a request: the socket stays open, waiting for the rest of the headers.
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    sockets.push(socket)
  }
  await until(async () => await service.openConnections() === 16)
  const extra = net.connect(port, '127.0.0.1')
  extra.on('error', () => {})
  const refused = new Promise<string>((resolve) => {
    let received = ''
    extra.on('data', (chunk: Buffer) => { received += chunk.toString('latin1') })
    extra.on('close', () => resolve(received))
  })
  extra.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
  t.is(await refused, '', 'the seventeenth socket was closed unanswered')
  for (const socket of sockets) socket.destroy()
  await until(async () => await service.openConnections() === 0)
  await assertServing(t, service)
})
