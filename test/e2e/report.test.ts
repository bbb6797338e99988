/**
 * The reporter's journey in a real browser with JavaScript off: landing page,
 * report form, codename page; then the export of what was sent, decrypted by
 * the real GnuPG with the demo key the service generated.
 */
import test, { type ExecutionContext } from 'ava'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { exportForce } from '../../src/cli/export.js'
import { connectControl } from '../../src/store/control.js'
import { translate } from '../../src/web/i18n.js'
import { assetPath } from '../../src/web/static-files.js'
import { foreignRequests, navigate, openPage, type TestPage, useServiceAndBrowser } from '../helpers/browser.js'
import { gpgHome } from '../helpers/gpg.js'
import type { TestService } from '../helpers/service.js'

const t$ = (key: string, params?: Record<string, string | number>): string => translate('en', key, params)

// Read from the file itself, not through the code under test.
const WORDLIST = new Set((await readFile(new URL('../../src/domain/eff-large-wordlist.txt', import.meta.url), 'utf8')).split('\n').filter((w) => w !== ''))

// Set to a folder to keep screenshots of the form and codename pages (for a person to look at).
const SCREENSHOTS = process.env.CANDOUR_E2E_SCREENSHOTS

let service: TestService
let browser: Browser

useServiceAndBrowser(test, (started, launched) => { service = started; browser = launched })

async function freshPage (t: ExecutionContext): Promise<TestPage> {
  const opened = await openPage(browser)
  t.teardown(() => opened.context.close())
  return opened
}

async function goto (t: ExecutionContext, page: Page, pathname: string, status = 200): Promise<void> {
  const response = await page.goto(service.url + pathname)
  t.is(response?.status(), status, pathname)
}

/** The literal data packet's name as `gpg --list-packets` prints it: bytes outside ' '..'z' as \xNN. */
function gpgListedName (name: string): string {
  return [...Buffer.from(name, 'utf8')].map((b) => b >= 0x20 && b <= 0x7a ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`).join('')
}

function literalPacket (listing: string): { name: string; created: number } {
  const match = /:literal data packet:\s*\n\s*mode \S+ \(\S+\), created (\d+), name="([^"]*)"/.exec(listing)
  if (match === null) throw new Error('no literal data packet in the listing')
  return { created: Number(match[1]), name: match[2]! }
}

async function assertNoScript (t: ExecutionContext, page: Page): Promise<void> {
  t.is(await page.locator('script').count(), 0, `<script> on ${page.url()}`)
}

test('a report sent from the browser reaches the force, and GnuPG reads every item', async (t) => {
  const { page, requests } = await freshPage(t)
  const marker = `message-${randomUUID()}`
  const contactMarker = `contact-${randomUUID()}`
  const fileName = 'évidence 1 Łódź.txt'
  const fileBytes = Buffer.from(`attachment-${randomUUID()}\n\u0000\u00ff binary tail\n`, 'utf8')

  await goto(t, page, '/')
  const landing = await page.locator('body').innerText()
  t.true(landing.includes(t$('common.emergency')))
  t.true(landing.includes(t$('start.safety.tor')))
  t.regex(landing, /\b999\b/)
  t.regex(landing, /Tor Browser/)
  t.true(await page.locator('#demo-banner').isVisible())

  // Keyboard only: focus the start button and press Enter.
  const start = page.getByRole('button', { name: t$('start.startButton') })
  await start.focus()
  await navigate(page, () => page.keyboard.press('Enter'))
  t.is(page.url(), `${service.url}/report`)
  t.is(await page.title(), `${t$('report.title')} – ${t$('service.name')}`)

  await page.getByLabel(t$('report.force.label')).selectOption('met')
  await page.getByLabel(t$('report.category.bribery.text'), { exact: true }).check()
  await page.getByLabel(t$('report.message.label')).fill(`Officer took £500.\n${marker}\nSecond line.`)
  await page.getByLabel(t$('report.attachments.label')).setInputFiles({ name: fileName, mimeType: 'text/plain', buffer: fileBytes })
  await page.getByLabel(t$('report.anonymity.contact.text'), { exact: true }).check()
  await page.getByLabel(t$('report.contact.label')).fill(`Call 07700 900123 after 6pm. ${contactMarker}`)
  if (SCREENSHOTS !== undefined) await page.screenshot({ path: path.join(SCREENSHOTS, 'candour-e2e-form.png'), fullPage: true })

  const sent = await navigate(page, () => page.getByRole('button', { name: t$('report.submit') }).click())
  t.is(sent.status(), 200)
  t.is(page.url(), `${service.url}/report/sent`)
  t.is(await page.title(), `${t$('codename.title')} – ${t$('service.name')}`)
  const codename = (await page.locator('#codename').innerText()).trim()
  const words = codename.split(' ')
  t.is(words.length, 7, codename)
  for (const word of words) {
    t.regex(word, /^[a-z-]+$/)
    t.true(WORDLIST.has(word), word)
  }
  t.true((await page.locator('.govuk-panel').innerText()).includes('Metropolitan Police Service'))
  if (SCREENSHOTS !== undefined) await page.screenshot({ path: path.join(SCREENSHOTS, 'candour-e2e-codename.png'), fullPage: true })
  // The codename travels only in the page body: the post is answered with a 303 whose cookie
  // holds a random handle (43 base64url characters, no room for seven words), and no URL holds it.
  const post = sent.request().redirectedFrom()
  t.is(post?.method(), 'POST')
  const redirect = await post?.response()
  t.is(redirect?.status(), 303)
  const setCookie = await redirect?.headerValue('set-cookie') ?? ''
  t.regex(setCookie, /^candour_receipt=[A-Za-z0-9_-]{43}; Path=\/report\/sent; HttpOnly; SameSite=Strict/)
  t.false(setCookie.includes(codename))
  t.false(requests.some((url) => decodeURIComponent(url.replace(/\+/g, ' ')).includes(codename)))

  // Shown once: a reload finds the receipt gone.
  const again = await page.reload()
  t.is(again?.status(), 404)
  t.is(await page.locator('h1').innerText(), t$('errors.page.receiptGone.title'))
  t.false((await page.content()).includes(codename))
  t.deepEqual(foreignRequests(requests, service.url), [])

  // Export through the running server's control socket, as `candour export` would.
  const out = await mkdtemp(path.join(os.tmpdir(), 'candour-e2e-export-'))
  t.teardown(() => rm(out, { recursive: true, force: true }))
  const kv = await connectControl(service.dataDir)
  try {
    t.true(await exportForce(kv, 'met', out) >= 1)
  } finally {
    await kv.close()
  }
  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  await gpg.importKey(path.join(service.dataDir, 'demo-keys', 'met.secret.asc'))

  let found: string | undefined
  for (const id of await readdir(out)) {
    const text = (await gpg.decryptFile(path.join(out, id, '01-report.gpg'))).toString('utf8')
    if (text.includes(marker)) found = id
  }
  t.truthy(found, 'no exported report holds the message')
  const dir = path.join(out, found!)
  t.deepEqual((await readdir(dir)).sort(), ['01-report.gpg', '02-contact.gpg', '03-attachment.gpg', 'manifest.json'])
  const manifestText = await readFile(path.join(dir, 'manifest.json'), 'utf8')
  const manifest = JSON.parse(manifestText) as { force: string; category: string; items: Array<{ kind: string }> }
  t.is(manifest.force, 'met')
  t.is(manifest.category, 'bribery')
  t.deepEqual(manifest.items.map((item) => item.kind), ['report', 'contact', 'attachment'])
  // Plaintext metadata holds closed values only.
  for (const secret of [marker, contactMarker, 'vidence', codename]) t.false(manifestText.includes(secret), secret)

  const report = (await gpg.decryptFile(path.join(dir, '01-report.gpg'))).toString('utf8')
  t.true(report.includes(`Officer took £500.\n${marker}\nSecond line.`))
  t.true(report.includes('Metropolitan Police Service'))
  t.false(report.includes(contactMarker))
  const contact = (await gpg.decryptFile(path.join(dir, '02-contact.gpg'))).toString('utf8')
  t.true(contact.includes(contactMarker))
  t.false(contact.includes(marker))
  const attachment = await gpg.decryptFile(path.join(dir, '03-attachment.gpg'))
  t.true(attachment.equals(fileBytes))

  const packet = literalPacket(await gpg.listPackets(path.join(dir, '03-attachment.gpg')))
  t.is(packet.name, gpgListedName(fileName))
  // The literal packet's date is a UTC midnight: no time of day is recorded.
  t.is(packet.created % 86_400, 0)
  t.is(literalPacket(await gpg.listPackets(path.join(dir, '01-report.gpg'))).name, 'report.txt')
})

test('an empty form comes back with a GOV.UK error summary whose links reach the fields', async (t) => {
  const { page, requests } = await freshPage(t)
  await goto(t, page, '/')
  await navigate(page, () => page.getByRole('button', { name: t$('start.startButton') }).click())
  t.is(page.url(), `${service.url}/report`)
  const submit = page.getByRole('button', { name: t$('report.submit') })

  const rejected = await navigate(page, () => submit.click())
  t.is(rejected.status(), 400)
  t.true(await page.locator('.govuk-error-summary').isVisible())
  t.true((await page.title()).startsWith(`${t$('layout.errorPrefix')} `))
  t.is(await page.locator('.govuk-error-summary__title').innerText(), t$('report.errorSummaryTitle'))
  const links = page.locator('.govuk-error-summary a')
  const texts = (await links.allInnerTexts()).map((text) => text.trim())
  t.deepEqual(texts, ['forceMissing', 'categoryMissing', 'messageMissing', 'anonymityMissing'].map((key) => t$(`errors.report.${key}`)))
  const hrefs = await links.evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href') ?? ''))
  for (const href of hrefs) {
    t.regex(href, /^#[a-z-]+$/)
    t.is(await page.locator(`[id="${href.slice(1)}"]`).count(), 1, href)
  }
  t.deepEqual(hrefs, ['#force', '#category', '#message', '#anonymity'])

  // Keyboard: the first summary link takes focus and the URL to the force select.
  await links.first().focus()
  await page.keyboard.press('Enter')
  await page.waitForURL(`${service.url}/report#force`)
  t.is(await page.evaluate(() => document.activeElement?.id), 'force')

  // Typed answers survive a failed submit.
  const message = `Only the message ${randomUUID()}\nwith a second line & <markup>`
  await page.getByLabel(t$('report.message.label')).fill(message)
  const again = await navigate(page, () => submit.click())
  t.is(again.status(), 400)
  t.is(await page.getByLabel(t$('report.message.label')).inputValue(), message)
  const remaining = (await page.locator('.govuk-error-summary a').allInnerTexts()).map((text) => text.trim())
  t.deepEqual(remaining, ['forceMissing', 'categoryMissing', 'anonymityMissing'].map((key) => t$(`errors.report.${key}`)))
  t.deepEqual(foreignRequests(requests, service.url), [])
})

test('no page has a script, and the browser asks nothing of any other origin', async (t) => {
  const { page, requests } = await freshPage(t)
  await goto(t, page, '/')
  await assertNoScript(t, page)
  await navigate(page, () => page.getByRole('button', { name: t$('start.startButton') }).click())
  await assertNoScript(t, page)
  await navigate(page, () => page.getByRole('button', { name: t$('report.submit') }).click())
  t.true(await page.locator('.govuk-error-summary').isVisible())
  await assertNoScript(t, page)

  await page.getByLabel(t$('report.force.label')).selectOption('kent')
  await page.getByLabel(t$('report.category.other.text'), { exact: true }).check()
  await page.getByLabel(t$('report.message.label')).fill('Nothing but a test.')
  await page.getByLabel(t$('report.anonymity.anonymous.text'), { exact: true }).check()
  await navigate(page, () => page.getByRole('button', { name: t$('report.submit') }).click())
  t.is(page.url(), `${service.url}/report/sent`)
  await assertNoScript(t, page)
  await goto(t, page, '/report/sent', 404)
  await assertNoScript(t, page)
  await goto(t, page, '/no-such-page', 404)
  await assertNoScript(t, page)

  t.deepEqual(foreignRequests(requests, service.url), [])
  // The recording is real: the pages and their stylesheet were requested from the site.
  t.true(requests.includes(`${service.url}/report`))
  t.true(requests.includes(`${service.url}${assetPath('reporter.css')}`))
})
