/**
 * axe-core against a page in the browser: injected through the driver's own
 * evaluation (which a page's Content-Security-Policy does not govern), never
 * served by the site, run with the WCAG 2.0, 2.1 and 2.2 A and AA rules.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, Page } from 'playwright-core'

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** The rule tags run: every WCAG A and AA level up to 2.2. */
export const WCAG_TAGS = Object.freeze(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'])

/** One rule broken, with where. */
export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly targets: readonly string[]
}

/** Runs axe-core on the page as it is now and returns the violations (empty when there are none). */
export async function axeViolations (page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE)
  const result = await page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe
    const run = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
    return run.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }))
  }, [...WCAG_TAGS])
  return result
}

/** Violations as one line each, for a readable assertion message. */
export function describeViolations (violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} at ${v.targets.slice(0, 3).join(', ')}`).join('\n')
}

/**
 * Opens `url` (a GET page) a second time, in a context of its own with
 * JavaScript on, and runs axe there: axe needs timers, which Chromium does not
 * run in a JavaScript-disabled context. Our pages hold no script, so the page
 * renders the same; its Content-Security-Policy stays as it is.
 */
export async function axeViolationsAt (browser: Browser, url: string): Promise<AxeViolation[]> {
  const context = await browser.newContext({ javaScriptEnabled: true, locale: 'en-GB', viewport: { width: 1024, height: 768 } })
  try {
    const page = await context.newPage()
    await page.goto(url)
    return await axeViolations(page)
  } finally {
    await context.close()
  }
}
