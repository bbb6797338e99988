/**
 * Debian's headless Chromium driven by playwright-core, with JavaScript off as
 * in Tor Browser at its Safest level, for the end-to-end tests.
 */
import type { TestFn } from 'ava'
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core'
import { startTestService, type TestService } from './service.js'

/** Where Debian's chromium package installs the browser. */
export const CHROMIUM = '/usr/bin/chromium'

// No QUIC, sync, component updates or background fetches: the browser itself stays quiet,
// so the only traffic is what the pages under test ask for.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

// Well inside ava's test timeout, so a stuck step fails with Playwright's own message.
const STEP_TIMEOUT_MS = 30_000

/** Launches headless Chromium. */
export async function launchChromium (): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: STEP_TIMEOUT_MS })
}

/** One page in its own context (own cookies), and every URL it has requested so far. */
export interface TestPage {
  readonly context: BrowserContext
  readonly page: Page
  readonly requests: readonly string[]
}

/** Opens a page in a fresh context with JavaScript disabled; close it with `context.close()`. */
export async function openPage (browser: Browser): Promise<TestPage> {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    locale: 'en-GB',
    viewport: { width: 1024, height: 768 },
  })
  context.setDefaultTimeout(STEP_TIMEOUT_MS)
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS)
  const page = await context.newPage()
  const requests: string[] = []
  page.on('request', (request) => { requests.push(request.url()) })
  return { context, page, requests }
}

/**
 * Runs an action that makes the page load a new document (a link, a form
 * post, Enter on a button) and resolves once that document has loaded, with
 * its final response (after any redirect). Waiting on the commit, not the
 * URL, also works when a rejected form comes back at the same URL.
 */
export async function navigate (page: Page, action: () => Promise<unknown>): Promise<Response> {
  const main = page.mainFrame()
  const response = page.waitForResponse((res) =>
    res.frame() === main && res.request().isNavigationRequest() && (res.status() < 300 || res.status() >= 400))
  const committed = page.waitForEvent('framenavigated', (frame) => frame === main)
  await action()
  const [final] = await Promise.all([response, committed])
  await page.waitForLoadState('load')
  return final
}

/** The requested URLs whose origin is not `origin` (data: URLs are not requests to anyone). */
export function foreignRequests (requests: readonly string[], origin: string): string[] {
  return requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin)
}

/** Starts a test service and Chromium before a file's tests and stops both after them; `ready` receives them. */
export function useServiceAndBrowser (test: TestFn, ready: (service: TestService, browser: Browser) => void): void {
  let service: TestService | undefined
  let browser: Browser | undefined
  test.before(async () => {
    service = await startTestService()
    browser = await launchChromium()
    ready(service, browser)
  })
  test.after.always(async () => {
    await browser?.close()
    await service?.dispose()
  })
}
