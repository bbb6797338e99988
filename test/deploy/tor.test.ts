/**
 * Candour as people reach it (issue 10): the shipped torrc's two onion services
 * in a private Tor network on 127.0.0.1. Firefox ESR with Tor Browser's Safest
 * preferences, through a tor client's SOCKS port, sends a report with an
 * attachment to the reporter .onion, reads its codename and logs back in. The
 * workspace .onion cannot be reached without a client key made by `candour
 * onion-client add`; with it, a reviewer logs in and downloads the report's
 * bundle through Tor, and the host's gpg opens it. Nothing is sent outside
 * 127.0.0.0/8, and every process is stopped by its own pid.
 */
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, Page } from 'puppeteer-core'
import { translate } from '../../src/web/i18n.js'
import { unzip } from '../helpers/bundles.js'
import { relocateTorrc, SHIPPED_TORRC } from '../helpers/deploy.js'
import { gpgHome } from '../helpers/gpg.js'
import { candour, generateUnitKey, removeAll, tempDir } from '../helpers/offline.js'
import { addReviewer, totpCode } from '../helpers/reviewer.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { SocksError, socksRequest, socksRequestWithRetries } from '../helpers/socks.js'
import { clickSelector, launchTorBrowser } from '../helpers/tor-browser.js'
import { assertLoopbackOrOnion, startTorNetwork, type TorNetwork } from '../helpers/tor-network.js'

const say = (key: string): string => translate('en', key)
const PASSPHRASE = 'tor test passphrase'
// Over a fresh onion circuit a page can take a while; generous, as the machines are shared.
const NAVIGATION_MS = 120_000

/** Stops a browser and then its process by pid, whatever state it is in. */
async function closeBrowser (browser: Browser): Promise<void> {
  const child = browser.process()
  await browser.close().catch(() => {})
  if (child !== null && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGKILL')
    await exited
  }
}

/** Opens a URL, retrying (tor may still be fetching the descriptor or building circuits). */
async function open (page: Page, url: string): Promise<void> {
  assertLoopbackOrOnion(new URL(url).hostname)
  let last: unknown
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const response = await page.goto(url, { timeout: NAVIGATION_MS })
      if (response !== null && response.status() === 200) return
      last = new Error(`${url} answered ${response?.status()}`)
    } catch (err) {
      last = err
    }
    await new Promise((resolve) => setTimeout(resolve, 5_000))
  }
  throw last
}

/** Clicks a submit button and waits for the page it leads to. */
async function submit (page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ timeout: NAVIGATION_MS }), clickSelector(page, selector)])
}

const text = (page: Page, selector: string): Promise<string> => page.evaluate((s) => document.querySelector(s)?.textContent ?? '', selector)

test('reports over Tor from Firefox at the Safest level; the workspace onion only with a client key; the bundle opens with gpg', async (t) => {
  t.timeout(25 * 60_000, 'a whole private Tor network')
  const work = await tempDir('candour-tor-test-')
  t.teardown(() => removeAll(work))

  // Candour in production mode with a unit key made as a force would make it.
  const passFile = path.join(work, 'passphrase')
  await writeFile(passFile, PASSPHRASE + '\n', { mode: 0o600 })
  const unit = await generateUnitKey('kent', path.join(work, 'unit'), passFile)
  const keysDir = path.join(work, 'keys')
  await mkdir(path.join(keysDir, 'kent'), { recursive: true })
  await copyFile(unit.publicFile, path.join(keysDir, 'kent', path.basename(unit.publicFile)))
  const service: TestService = await startTestService({ NODE_ENV: 'production', CANDOUR_DEMO: '0', KEYS_DIR: keysDir, CANDOUR_SCRYPT_COST: String(2 ** 14) })
  t.teardown(() => service.dispose())
  t.false(service.config.cookieSecure === false, 'production cookies are Secure: Tor Browser treats .onion as a secure context')
  const reviewUrl = service.reviewUrl
  const reporterPort = Number(new URL(service.url).port)
  const workspacePort = Number(new URL(reviewUrl).port)

  const network: TorNetwork = await startTorNetwork()
  t.teardown(() => network.stop())
  // Every relay the clients could use is on loopback: nothing can leave 127.0.0.0/8.
  const addresses = await network.consensusAddresses()
  t.is(addresses.length, 6)
  for (const address of addresses) assertLoopbackOrOnion(address)

  // The shipped torrc, pointed at this test's listeners; keys first, then the reviewer's client key.
  const shipped = await readFile(SHIPPED_TORRC, 'utf8')
  const onion = await network.prepareOnionServices((dir) => relocateTorrc(shipped, dir, { reporter: reporterPort, workspace: workspacePort }), ['candour-reporter', 'candour-workspace'])
  const reporterOnion = await onion.onionAddress('candour-reporter')
  const workspaceOnion = await onion.onionAddress('candour-workspace')
  const clientKeys = path.join(work, 'client-keys')
  const made = await candour(['onion-client', 'add', '--name', 'kent-reviewer', '--onion', workspaceOnion, '--out', clientKeys])
  t.is(made.code, 0, made.stderr)
  await onion.writeFile('candour-workspace/authorized_clients/kent-reviewer.auth', await readFile(path.join(clientKeys, 'kent-reviewer.auth'), 'utf8'))
  await onion.start()
  const anonymousSocks = await network.startClient('anonymous')
  const reviewerSocks = await network.startClient('reviewer', { 'kent-reviewer.auth_private': await readFile(path.join(clientKeys, 'kent-reviewer.auth_private'), 'utf8') })
  await onion.waitForDescriptors(2)

  // Through Tor, fresh circuits per try, until the reporter onion answers.
  const home = await socksRequestWithRetries(anonymousSocks, `http://${reporterOnion}/`, { attempts: 24 })
  t.is(home.status, 200)
  t.is(home.headers.date, undefined, 'no clock on the wire')
  // The reporter onion serves no workspace.
  t.is((await socksRequestWithRetries(anonymousSocks, `http://${reporterOnion}/review/login`)).status, 404)

  // A reporter in Firefox at the Safest level: a report with an attachment, the codename, back in with it.
  const marker = `TOR-${randomBytes(6).toString('hex')}`
  const attachment = randomBytes(60_000)
  const attachmentFile = path.join(work, 'evidence.bin')
  await writeFile(attachmentFile, attachment)
  await chmod(attachmentFile, 0o644)
  const reporter = await launchTorBrowser({ socksPort: anonymousSocks, protocolTimeout: 180_000 })
  t.teardown(() => closeBrowser(reporter))
  const page = await reporter.newPage()
  page.setDefaultNavigationTimeout(NAVIGATION_MS)
  await open(page, `http://${reporterOnion}/report`)
  t.false(await page.evaluate(() => document.querySelectorAll('script').length > 0))
  await page.select('#force', 'kent')
  await clickSelector(page, 'input[name="category"][value="abuse-of-position"]')
  await page.type('#message', `An officer sold information. ${marker}`)
  const fileInput = await page.$('input#attachments') as import('puppeteer-core').ElementHandle<HTMLInputElement> | null
  await fileInput!.uploadFile(attachmentFile)
  await clickSelector(page, 'input[name="anonymity"][value="anonymous"]')
  await submit(page, 'form button.govuk-button')
  const codename = (await text(page, '#codename')).trim()
  t.regex(codename, /^[a-z-]+( [a-z-]+){6}$/)
  t.false(page.url().includes(codename.split(' ')[0]!))

  await open(page, `http://${reporterOnion}/login`)
  await page.type('#codename', codename)
  await submit(page, 'form button.govuk-button')
  t.is(new URL(page.url()).pathname, '/reports')
  t.true((await text(page, 'main')).includes(say('reports.state.received.tag')))
  await closeBrowser(reporter)

  // Without the client key, tor cannot even read the workspace's descriptor (SOCKS 0xF4: onion service missing client authorisation).
  let refusal: unknown
  for (let attempt = 0; attempt < 12; attempt++) {
    try {
      const answered = await socksRequest(anonymousSocks, `http://${workspaceOnion}/review/login`)
      t.fail(`the workspace answered ${answered.status} without a client key`)
      break
    } catch (err) {
      refusal = err
      if (err instanceof SocksError && err.reply === 0xf4) break
      await new Promise((resolve) => setTimeout(resolve, 5_000))
    }
  }
  t.true(refusal instanceof SocksError && refusal.reply === 0xf4, String(refusal))

  // With it, a reviewer of the force logs in through Tor and downloads the report's bundle.
  t.is((await socksRequestWithRetries(reviewerSocks, `http://${workspaceOnion}/review/login`, { attempts: 24 })).status, 200)
  const credentials = await addReviewer(service.dataDir, 'kent-reviewer', 'kent')
  const browser = await launchTorBrowser({ socksPort: reviewerSocks, protocolTimeout: 180_000 })
  t.teardown(() => closeBrowser(browser))
  const desk = await browser.newPage()
  desk.setDefaultNavigationTimeout(NAVIGATION_MS)
  await open(desk, `http://${workspaceOnion}/review/login`)
  await desk.type('#username', credentials.username)
  await desk.type('#password', credentials.password)
  await desk.type('#code', totpCode(credentials.totpSecret))
  await submit(desk, 'form button.govuk-button')
  t.is(new URL(desk.url()).pathname, '/review/')
  const links = await desk.evaluate(() => Array.from(document.querySelectorAll('#reports tbody tr a'), (a) => a.getAttribute('href')))
  t.is(links.length, 1)
  const cookies = await browser.cookies()
  t.true(cookies.length > 0 && cookies.every((cookie) => cookie.secure), 'the session cookie is Secure and kept by the browser')
  const cookieHeader = cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ')
  const bundle = await socksRequestWithRetries(reviewerSocks, `http://${workspaceOnion}${links[0]}/bundle.zip`, { headers: { Cookie: cookieHeader }, attempts: 6 })
  t.is(bundle.status, 200)
  await closeBrowser(browser)

  const gpg = await gpgHome()
  t.teardown(() => gpg.dispose())
  await gpg.importKey(unit.secretFile, PASSPHRASE)
  const files = await unzip(bundle.body)
  const items = files.filter((file) => file.name.endsWith('.gpg')).sort((a, b) => a.name.localeCompare(b.name))
  t.is(items.length, 2)
  const dir = path.join(work, 'bundle')
  await mkdir(dir)
  for (const item of items) await writeFile(path.join(dir, path.basename(item.name)), item.bytes)
  t.true((await gpg.decryptFile(path.join(dir, path.basename(items[0]!.name)), PASSPHRASE)).toString('utf8').includes(marker))
  t.true((await gpg.decryptFile(path.join(dir, path.basename(items[1]!.name)), PASSPHRASE)).equals(attachment))
})
