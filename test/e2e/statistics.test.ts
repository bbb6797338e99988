/**
 * The public statistics in Chromium with JavaScript off (issue 12): reached
 * from the landing page, an area and a period chosen through the plain GET
 * form, bars drawn by CSS alone, no request leaving the site, and axe-core
 * finding no WCAG 2.2 A or AA violation.
 */
import test from 'ava'
import type { Browser } from 'playwright-core'
import { axeViolationsAt } from '../helpers/axe.js'
import { foreignRequests, launchChromium, navigate, openPage } from '../helpers/browser.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { sampleEvents, writeEvents } from '../helpers/statistics.js'

let service: TestService
let browser: Browser
let now = new Date('2026-11-17T10:00:00Z')

test.before(async () => {
  service = await startTestService({}, { now: () => now })
  await writeEvents(service.dataDir, sampleEvents('2026-11', 20))
  now = new Date('2026-11-18T10:00:00Z')
  browser = await launchChromium()
})
test.after.always(async () => {
  await browser?.close()
  await service?.dispose()
})

test('a reporter finds the statistics, chooses a force and a month, and sees tables with bars, accessibly', async (t) => {
  const { context, page, requests } = await openPage(browser)
  t.teardown(() => context.close())
  await page.goto(service.url + '/')
  await navigate(page, () => page.click('#statistics-link'))
  t.is(new URL(page.url()).pathname, '/statistics')
  t.is(await page.locator('h1').innerText(), 'Statistics: reports and what forces did with them')
  t.deepEqual(await axeViolationsAt(browser, page.url()), [])

  await page.selectOption('#area', 'kent')
  await page.selectOption('#period', '2026-10')
  await navigate(page, () => page.click('#show'))
  t.is(new URL(page.url()).search, '?area=kent&period=2026-10')
  t.regex(await page.locator('#figures-heading').innerText(), /Kent Police: October 2026/)
  const received = page.locator('#table-received tr[data-measure="received"] td').first()
  t.regex(await received.innerText(), /^\d+$/)
  // The bar of the largest figure spans its cell; bars are laid out by the stylesheet alone.
  const bar = page.locator('#table-received tr[data-measure="received"] .candour-bar')
  const barBox = await bar.boundingBox()
  const cellBox = await page.locator('#table-received tr[data-measure="received"] td.candour-stats__chart').boundingBox()
  t.truthy(barBox)
  t.true(barBox!.width > cellBox!.width * 0.8)
  t.true(barBox!.height > 5)
  t.deepEqual(await axeViolationsAt(browser, page.url()), [])

  // A month with a small count says so in words.
  await page.goto(service.url + '/statistics?area=essex&period=2026-10')
  t.regex(await page.locator('#table-received tr[data-measure="received"] td').first().innerText(), /fewer than 5/)
  t.deepEqual(await axeViolationsAt(browser, page.url()), [])
  t.deepEqual(foreignRequests(requests, service.url), [])

  // The check can fail: an unlabelled field and an image without text are found.
  const bad = await axeViolationsAt(browser, 'data:text/html,<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><main><img src="data:,"><input></main></body></html>')
  t.true(bad.some((v) => v.id === 'image-alt') && bad.some((v) => v.id === 'label'))
})
