/**
 * The returning reporter in a real browser with JavaScript off, continuing
 * from the codename page: log in with the codename, read a reply added by the
 * operator's command, send further information with a file, log out.
 */
import test from 'ava'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { Browser } from 'playwright-core'
import { readBlob } from '../../src/store/blobs.js'
import { connectControl } from '../../src/store/control.js'
import { reportsOfForce } from '../../src/store/records.js'
import { translate } from '../../src/web/i18n.js'
import { foreignRequests, navigate, openPage, useServiceAndBrowser } from '../helpers/browser.js'
import { gpgHome } from '../helpers/gpg.js'
import type { TestService } from '../helpers/service.js'

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '../..')
const say = (key: string, params?: Record<string, string | number>): string => translate('en', key, params)

let service: TestService
let browser: Browser

useServiceAndBrowser(test, (started, launched) => { service = started; browser = launched })

test('report, log in with the codename, read a reply, send further information, log out', async (t) => {
  const { context, page, requests } = await openPage(browser)
  t.teardown(() => context.close())

  // A first report, to reach the codename page.
  await page.goto(service.url + '/report')
  await page.selectOption('#force', 'west-midlands')
  await page.check('input[name="category"][value="abuse-of-position"]')
  await page.fill('#message', 'An officer used police systems to look up a neighbour.')
  await page.check('input[name="anonymity"][value="anonymous"]')
  await navigate(page, () => page.click('button.govuk-button'))
  const codename = (await page.textContent('#codename'))!.trim()
  t.regex(codename, /^[a-z-]+( [a-z-]+){6}$/)

  // The force answers through the operator's command.
  const kv = await connectControl(service.dataDir)
  t.teardown(() => kv.close())
  const [report] = await (async () => { const all = []; for await (const r of reportsOfForce(kv, 'west-midlands')) all.push(r); return all })()
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-e2e-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const replyText = `Thank you. Which system was used? ${randomBytes(3).toString('hex')}`
  await writeFile(path.join(dir, 'reply.txt'), replyText)
  await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'reply', '--report', report!.id, '--text-file', path.join(dir, 'reply.txt')], { cwd: root, env: { ...process.env, CANDOUR_DEMO: '1', DATA_DIR: service.dataDir, KEYS_DIR: service.keysDir } })

  // Back as the reporter, from the start page, by keyboard where it matters.
  await page.goto(service.url + '/')
  await navigate(page, () => page.click('a[href="/login"]'))
  await page.getByLabel(say('login.codename.label')).fill(`  ${codename.toUpperCase()}  `)
  await page.getByLabel(say('login.codename.label')).press('Enter')
  await page.waitForURL(service.url + '/reports')
  t.true((await page.textContent('main'))!.includes(replyText))
  t.true((await page.textContent('main'))!.includes(say('reports.state.received.tag')))

  // Further information with a file.
  await navigate(page, () => page.click(`a[href="/further?report=${report!.id}"]`))
  await page.getByLabel(say('further.message.label')).fill('It was the PNC, on 3 March.')
  const file = randomBytes(50_000)
  await page.setInputFiles('#attachments', { name: 'screenshot.png', mimeType: 'image/png', buffer: file })
  await navigate(page, () => page.getByRole('button', { name: say('further.submit') }).click())
  t.true((await page.textContent('main'))!.includes(say('reports.notice.furtherSent')))

  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  await gpg.importKey(path.join(service.dataDir, 'demo-keys', 'west-midlands.secret.asc'))
  const [updated] = await (async () => { const all = []; for await (const r of reportsOfForce(kv, 'west-midlands')) all.push(r); return all })()
  const added = updated!.items.filter((item) => item.followUp === true)
  t.deepEqual(added.map((item) => item.kind), ['further-information', 'attachment'])
  const bytes = async (blob: string): Promise<Buffer> => { const parts = []; for await (const p of readBlob(kv, blob)) parts.push(p); return Buffer.concat(parts) }
  t.true((await gpg.decrypt(await bytes(added[0]!.blob))).toString('utf8').includes('It was the PNC, on 3 March.'))
  t.true((await gpg.decrypt(await bytes(added[1]!.blob))).equals(file))

  // Log out: the page says to use New Identity, and the session is gone.
  await navigate(page, () => page.getByRole('button', { name: say('layout.session.logOut') }).first().click())
  t.true((await page.textContent('main'))!.includes(say('loggedOut.warning')))
  const after = await page.goto(service.url + '/reports')
  t.true(after!.url().endsWith('/login?session=ended'))
  t.deepEqual(foreignRequests(requests, service.url), [])
  t.is(await page.locator('script').count(), 0)
})
