/**
 * Debian's Firefox ESR (Tor Browser's base) with Tor Browser's Safest-level
 * preferences, driven headless by puppeteer-core over WebDriver BiDi. With a
 * `socksPort` every request goes through that loopback SOCKS port (a tor
 * client), names resolved by tor; without it the browser talks to loopback
 * servers directly. Page JavaScript is off, so puppeteer calls that wait on
 * page-side promises hang: use `clickSelector` and `page.evaluate` instead of
 * `page.click` and `page.$$` (see FACTS.md).
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

/** Where Debian's firefox-esr package installs the browser. */
export const FIREFOX_ESR = '/usr/bin/firefox-esr'

// Tor Browser's Safest level, as far as Firefox ESR's preferences reach.
const SAFEST_PREFS: Record<string, unknown> = {
  'javascript.enabled': false,
  'privacy.resistFingerprinting': true,
  'svg.disabled': true,
  'gfx.font_rendering.opentype_svg.enabled': false,
  'gfx.font_rendering.graphite.enabled': false,
  'media.play-stand-alone': false,
  'media.autoplay.default': 5,
  'javascript.options.ion': false,
  'javascript.options.baselinejit': false,
  'javascript.options.native_regexp': false,
  'javascript.options.asmjs': false,
  'javascript.options.wasm': false,
  'mathml.disabled': true,
  'webgl.disabled': true,
  'media.webaudio.enabled': false,
  // As Tor Browser does: an .onion page is a secure context, so Secure and __Host- cookies work over http://….onion.
  'dom.securecontext.allowlist_onions': true,
}

// Nothing of the browser's own: no update checks, telemetry, safe-browsing lists, captive-portal or
// connectivity probes, prefetching or speculative connections, so the only traffic is the test's pages.
const QUIET_PREFS: Record<string, unknown> = {
  'app.update.enabled': false,
  'app.normandy.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.prefetch-next': false,
  'network.dns.disablePrefetch': true,
  'network.http.speculative-parallel-limit': 0,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'browser.region.network.url': '',
  'browser.search.update': false,
}

function proxyPrefs (socksPort: number): Record<string, unknown> {
  return {
    'network.proxy.type': 1,
    'network.proxy.socks': '127.0.0.1',
    'network.proxy.socks_port': socksPort,
    'network.proxy.socks_remote_dns': true,
    'network.proxy.socks_version': 5,
    'network.proxy.no_proxies_on': '',
    'network.proxy.allow_hijacking_localhost': true,
    'network.dns.blockDotOnion': false,
    // Names go to tor only, never to the system resolver.
    'network.dns.disabled': true,
    'network.trr.mode': 5,
  }
}

/** Launches Firefox ESR with Tor Browser's Safest preferences (through `socksPort` when given). */
export async function launchTorBrowser (options: { socksPort?: number; protocolTimeout?: number } = {}): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_ESR,
    headless: true,
    protocol: 'webDriverBiDi',
    protocolTimeout: options.protocolTimeout ?? 30_000,
    extraPrefsFirefox: { ...QUIET_PREFS, ...SAFEST_PREFS, ...(options.socksPort === undefined ? {} : proxyPrefs(options.socksPort)) },
  })
}

/**
 * Clicks the first element matching `selector` as a person would: scrolls it
 * into view and clicks the centre of its box with the mouse (ElementHandle.click
 * waits on page-side promises that never settle with JavaScript off).
 */
export async function clickSelector (page: Page, selector: string): Promise<void> {
  const handle = await page.$(selector)
  if (handle === null) throw new Error(`nothing matches ${selector}`)
  try {
    await page.evaluate((element) => { element.scrollIntoView({ block: 'center', inline: 'center' }) }, handle)
    const box = await handle.boundingBox()
    if (box === null) throw new Error(`${selector} has no box (hidden?)`)
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
  } finally {
    await handle.dispose()
  }
}
