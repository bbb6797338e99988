/**
 * The guidance pages of issue 13 over real HTTP: each one served, linked from
 * the footer of every reporter page and from where it is needed, and the
 * upload-time advice beside both upload fields.
 */
import test from 'ava'
import { walkReporterPages, type WalkedPage } from '../../scripts/bench/page-walk.js'
import { translate } from '../../src/web/i18n.js'
import { GUIDANCE_PAGES } from '../../src/web/reporter/guidance.js'
import { startTestService, type TestService } from '../helpers/service.js'
import { escapeHtml } from '../helpers/html.js'

let service: TestService
let pages: WalkedPage[]

test.before(async () => {
  service = await startTestService()
  pages = await walkReporterPages(service.url)
})

test.after.always(async () => {
  await service?.dispose()
})

const say = (key: string): string => escapeHtml(translate('en', key))
const page = (name: string): WalkedPage => pages.find((p) => p.name === name)!

test('each guidance page is served with its title, and a method other than GET or HEAD is refused', async (t) => {
  const titles: Record<string, string> = {
    '/guidance/staying-safe': 'guidance.stayingSafe.title',
    '/guidance/files': 'guidance.files.title',
    '/guidance/what-happens': 'guidance.whatHappens.title',
  }
  t.deepEqual(Object.keys(GUIDANCE_PAGES), Object.keys(titles))
  for (const [path, key] of Object.entries(titles)) {
    const res = await fetch(`${service.url}${path}`)
    t.is(res.status, 200, path)
    t.true((await res.text()).includes(`<h1 class="govuk-heading-xl">${say(key)}</h1>`), path)
    t.is((await fetch(`${service.url}${path}`, { method: 'POST', headers: { Origin: service.url } })).status, 405, path)
  }
  t.is((await fetch(`${service.url}/guidance/files/`)).status, 404)
  t.is((await fetch(`${service.url}/Guidance/files`)).status, 404)
})

test('every reporter page links to the three guidance pages in its footer', (t) => {
  for (const p of pages) {
    const footer = p.html.slice(p.html.indexOf('<footer'))
    for (const path of Object.keys(GUIDANCE_PAGES)) t.true(footer.includes(`href="${path}"`), `${p.name}: ${path}`)
  }
})

test('the guidance is linked where it is needed: staying safe and what happens from the landing page, files beside each upload field', (t) => {
  const main = (p: WalkedPage): string => p.html.slice(p.html.indexOf('<main'), p.html.indexOf('</main>'))
  t.true(main(page('landing')).includes(`href="/guidance/staying-safe">${say('guidance.stayingSafeLink')}</a>`))
  t.true(main(page('landing')).includes(`href="/guidance/what-happens">${say('guidance.whatHappensLink')}</a>`))
  for (const name of ['form', 'form-errors', 'further']) {
    t.true(main(page(name)).includes(`href="/guidance/files" id="files-guidance">${say('guidance.filesLink')}</a>`), name)
    // The upload time is part of the field's hint, so a screen reader hears it with the field.
    t.regex(main(page(name)), new RegExp(`<div id="attachments-hint" class="govuk-hint">[^<]*${say('guidance.uploadTime').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), name)
  }
  t.regex(translate('en', 'guidance.uploadTime'), /1 Mbit\/s, a 100 MiB file takes about 15 minutes/)
})

test('the guidance says what it must: Safest, New Identity, devices; what files reveal and how to remove it; routing, outcomes, statistics', (t) => {
  const safe = page('guidance-staying-safe').html
  for (const key of ['tor', 'safest', 'newIdentity', 'work']) t.true(safe.includes(say(`guidance.stayingSafe.${key}.body`)), key)
  t.true(safe.includes(say('guidance.stayingSafe.shared.items.codename')))
  const files = page('guidance-files').html
  for (const key of ['reveal.photos', 'reveal.documents', 'reveal.screenshots', 'remove.iphone', 'remove.android', 'remove.windows', 'remove.mac', 'remove.tails', 'describe.body']) {
    t.true(files.includes(say(`guidance.files.${key}`)), key)
  }
  const happens = page('guidance-what-happens').html
  for (const key of ['investigate', 'safeguard', 'intelligence', 'transfer']) t.true(happens.includes(say(`guidance.whatHappens.outcomes.items.${key}`)), key)
  t.true(happens.includes(`href="/statistics">${say('guidance.whatHappens.statistics.link')}</a>`))
  t.true(happens.includes('data-complaints-body="all"'))
})
