/**
 * Issue 13: every reporter page, English and Welsh, in Firefox ESR with Tor
 * Browser's Safest preferences (JavaScript off) at 1000×900, 1400×900 and
 * 360×800: no horizontal scrolling, the h1 and the main landmark visible, the
 * stylesheet applied, and the language link clear of "Exit this page" (at
 * least 8 px apart, never overlapping; each target at least 24 px square,
 * WCAG 2.2 2.5.8). A PNG of each page at each width is kept under
 * test-artifacts/tor-browser/ for a person to look at.
 *
 * The pages are the page-weight walk's (scripts/bench/page-walk.ts), fetched
 * over real HTTP from a test service, so stateful ones (form errors, the
 * codename page, the reports page) are included. The browser is served each
 * page's HTML exactly as the service sent it, from a loopback server that
 * passes /static/ through to the service, so the real stylesheet applies.
 */
import test from 'ava'
import http from 'node:http'
import { mkdir, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Browser, Page } from 'puppeteer-core'
import { walkReporterPages, WALK_PAGES, type WalkedPage } from '../../scripts/bench/page-walk.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { launchTorBrowser } from '../helpers/tor-browser.js'

const ARTIFACTS = path.resolve('test-artifacts', 'tor-browser')
const VIEWPORTS = [
  { name: '1000x900', width: 1000, height: 900 },
  { name: '1400x900', width: 1400, height: 900 },
  { name: '360x800', width: 360, height: 800 },
] as const

let service: TestService
let server: http.Server
let replayUrl: string
let browser: Browser
let page: Page
const walked = new Map<string, WalkedPage>()

test.before(async () => {
  service = await startTestService()
  for (const [lang, prefix] of [['en', ''], ['cy', '/cy']] as const) {
    for (const p of await walkReporterPages(service.url, { prefix })) walked.set(`${lang}-${p.name}`, p)
  }
  // Replays a walked page's HTML as received; anything under /static/ comes from the service itself.
  server = http.createServer((req, res) => {
    const url = req.url ?? '/'
    if (url.startsWith('/static/')) {
      http.get(`${service.url}${url}`, { agent: false, headers: { 'accept-encoding': req.headers['accept-encoding'] ?? '' } }, (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers)
        upstream.pipe(res)
      }).on('error', () => { res.writeHead(502).end() })
      return
    }
    const walkedPage = walked.get(url.slice(1))
    if (walkedPage === undefined) { res.writeHead(404).end(); return }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(walkedPage.html)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  replayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await launchTorBrowser()
  page = await browser.newPage()
  await mkdir(ARTIFACTS, { recursive: true })
})

test.after.always(async () => {
  await browser?.close()
  await new Promise((resolve) => server === undefined ? resolve(undefined) : server.close(resolve))
  await service?.dispose()
})

interface Layout {
  readonly scrollWidth: number
  readonly innerWidth: number
  readonly h1: { width: number; height: number; text: string } | null
  readonly main: { width: number; height: number } | null
  readonly h1Font: string
  readonly bodyMargin: string
  /** Elements whose right edge passes the viewport (a clue when scrolling is found). */
  readonly overflowing: string[]
  /** The "Exit this page" button and each item of the language navigation (null where the page has none). */
  readonly exit: Box | null
  readonly languages: Array<Box & { text: string }>
}

interface Box { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number }

/** The gap between two boxes: the larger of their horizontal and vertical separations (negative when they overlap). */
function gapBetween (a: Box, b: Box): number {
  return Math.max(b.left - a.right, a.left - b.right, b.top - a.bottom, a.top - b.bottom)
}

const MIN_GAP_PX = 8
const MIN_TARGET_PX = 24

test('every reporter page, English and Welsh, fits 1000, 1400 and 360 wide in Tor Browser Safest with its content visible and styled', async (t) => {
  t.timeout(600_000)
  const names = [...walked.keys()]
  t.is(names.length, WALK_PAGES.length * 2)
  let languagePages = 0
  for (const viewport of VIEWPORTS) {
    await page.setViewport({ width: viewport.width, height: viewport.height })
    for (const name of names) {
      const label = `${name} at ${viewport.name}`
      await page.goto(`${replayUrl}/${name}`, { waitUntil: 'load' })
      const layout = await page.evaluate((): Layout => {
        // No named helper functions in here: tsx wraps them in a __name() the page does not have.
        const h1 = document.querySelector('h1')
        const h1Box = h1?.getBoundingClientRect()
        const mainBox = document.querySelector('main')?.getBoundingClientRect()
        const style = getComputedStyle(document.body)
        const h1Font = h1 === null ? '' : getComputedStyle(h1).fontFamily
        const overflowing = Array.from(document.querySelectorAll('body *'))
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((el) => `${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')}`)
        const exitBox = document.querySelector('#exit-this-page .govuk-exit-this-page__button')?.getBoundingClientRect()
        const languages = Array.from(document.querySelectorAll('#language-navigation .govuk-language-navigation__list-item > *'))
          .map((el) => {
            const r = el.getBoundingClientRect()
            return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, text: (el.textContent ?? '').trim() }
          })
        return {
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          h1: h1 === null || h1Box === undefined ? null : { width: h1Box.width, height: h1Box.height, text: (h1.textContent ?? '').trim() },
          main: mainBox === undefined ? null : { width: mainBox.width, height: mainBox.height },
          h1Font,
          bodyMargin: style.margin,
          overflowing,
          exit: exitBox === undefined ? null : { left: exitBox.left, top: exitBox.top, right: exitBox.right, bottom: exitBox.bottom },
          languages,
        }
      })
      await writeFile(path.join(ARTIFACTS, `${name}-${viewport.name}.png`), await page.screenshot({ fullPage: true }))

      t.is(layout.innerWidth, viewport.width, label)
      t.true(layout.scrollWidth <= layout.innerWidth, `${label}: scrollWidth ${layout.scrollWidth} > ${layout.innerWidth} (${layout.overflowing.join(', ')})`)
      t.truthy(layout.h1, `${label}: an h1`)
      t.true((layout.h1?.width ?? 0) > 0 && (layout.h1?.height ?? 0) > 0 && layout.h1!.text !== '', `${label}: the h1 is visible`)
      t.true((layout.main?.width ?? 0) > 0 && (layout.main?.height ?? 0) > 0, `${label}: main is visible`)
      // The stylesheet applied: the heading in the site's font stack, not Firefox's default serif, and GOV.UK's body margin.
      t.regex(layout.h1Font, /system-ui/, label)
      t.is(layout.bodyMargin, '0px', label)
      // Every reporter page has the quick exit; the language link is clear of it, and big enough to hit.
      t.truthy(layout.exit, `${label}: Exit this page`)
      if (layout.languages.length > 0) languagePages++
      for (const item of layout.languages) {
        const gap = gapBetween(item, layout.exit!)
        t.true(gap >= MIN_GAP_PX, `${label}: "${item.text}" is ${gap.toFixed(1)} px from Exit this page (at least ${MIN_GAP_PX})`)
      }
      const link = layout.languages.find((item) => item.text === (name.startsWith('cy-') ? 'English' : 'Cymraeg'))
      if (layout.languages.length > 0) {
        t.truthy(link, `${label}: the link to the other language`)
        t.true(link!.right - link!.left >= MIN_TARGET_PX && link!.bottom - link!.top >= MIN_TARGET_PX, `${label}: the language link is at least ${MIN_TARGET_PX} px square`)
      }
    }
  }
  t.true(languagePages >= (names.length - 2) * VIEWPORTS.length, 'nearly every page has the language link')
})
